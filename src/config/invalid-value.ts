// The error every value parser throws; the loader adds where the value came from.

/** Thrown by a parser; the loader adds where the value came from. */
export class InvalidValue extends Error {}
