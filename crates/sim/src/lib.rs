//! Scenario format v1, population generator and the deterministic virtual-clock simulator.
pub mod scenario;
pub mod population;
