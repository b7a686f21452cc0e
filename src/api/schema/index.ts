/**
 * The project's type data and what is derived from it directly: lookups (schema-registry) and unknown-field checks.
 * Import from here; the data format is in model.ts.
 */
export type * from './model.js';
export * from './schema-registry.js';
export * from './unknown-fields.js';
