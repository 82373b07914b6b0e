'use strict';
/**
 * CommonJS entry points. They load the ESM build with require(), which Node runs natively since
 * 20.19 and 22.12: CommonJS and ESM callers then share one copy of every module (one TrialPruned
 * class, one metric buffer), which a second, compiled CommonJS build could not promise.
 */
module.exports = function loadEsm(load) {
  try {
    return load();
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') {
      throw new Error(`trainyard: require('trainyard') needs Node >= 20.19 or >= 22.12 (this is ${process.version}); upgrade Node, or use import`);
    }
    throw e;
  }
};
