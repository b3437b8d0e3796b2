/**
 * Preloaded (`node --import`) into the Electronegativity CLI by test/build/electronegativity.test.ts.
 * Its CSV report is written by two `fs.writeFile` calls in flight together: the header (which truncates
 * the file) and the rows (appended). On a busy machine the thread pool may run the append first; the
 * header then lands over the start of the first row and the CSV no longer parses (seen in CI:
 * `Invalid Opening Quote ... value is "ult-src 'none'; ..."`). Writing each call synchronously, in the
 * order made, keeps the report whole. The callback still runs asynchronously, as callers expect.
 */
import fs from 'node:fs';

fs.writeFile = function writeFileInOrder(file, data, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = undefined;
  }
  let error = null;
  try {
    fs.writeFileSync(file, data, options);
  } catch (caught) {
    error = caught;
  }
  process.nextTick(callback, error);
};
