// The GPU check bundle feeds pre-decoded RGB to the engine; image decoding is not available there.
module.exports = function sharpUnavailable() { throw new Error('sharp is not bundled in the GPU check'); };
