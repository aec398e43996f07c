/** The error `fn` throws (and a failure if it throws none): for tests that check an error's fields. */
export function errorOf<E extends Error = Error>(fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    return e as E;
  }
  throw new Error('expected an error, but none was thrown');
}
