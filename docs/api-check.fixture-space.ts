/**
 * A namespace the fixture re-exports (`export * as space`): its members are checked, not the namespace.
 *
 * @example
 * inner; // 4
 */
export const inner = 4;
