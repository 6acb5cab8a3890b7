//! The one step interpreter: Clock, sending rules, Liquid rendering, effects.
