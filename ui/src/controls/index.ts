/**
 * The form controls shared by the inspector, the journey settings and the Simulate panel: one
 * place for labelled fields, inputs that keep half-typed text, the duration field, key/value rows
 * and the rules of what may be typed in them.
 */
export { DraftInput } from './DraftInput';
export { DurationField } from './DurationField';
export { Field, SelectField, TextArea, TextField } from './Field';
export { IconButton, Section } from './Section';
export { KeyValueRows } from './KeyValueRows';
