// Loaded before every test file (bunfig.toml [test] preload).
//
// The npm `nacos` config client (nacos-config 2.x) removes all its listeners on close() but keeps
// its in-flight long poll; when that poll fails after the test server stopped, it emits 'error'
// with no listener, which surfaces as an unhandled error inside whichever test runs next.
// A closed worker has nobody to tell, so drop its errors.
const { ClientWorker } = require('nacos-config/dist/client_worker');
const report = ClientWorker.prototype._error;
ClientWorker.prototype._error = function (this: { isClose?: boolean }, err: unknown) {
  if (this.isClose) return;
  return report.call(this, err);
};
