// The CommonJS entry of every @mmnet library package (built by tsup.shared.ts as dist/index.cjs): require() of
// the package loads its ES module build (require(esm), Node 20.19 and later), so that an ES module and a CommonJS
// caller in one process share one copy of the package and its state.
module.exports = require('./index.js');
