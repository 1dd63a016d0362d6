// tfjs-core's Node entry registers neither gradients nor chained ops (`x.square()`, `x.toFloat()`); these two
// modules of its ES build do, into tfjs-core's global registries. Node cannot load those extensionless ES modules,
// so the build bundles them (tsup.config.ts) and the published .d.ts keeps the chained ops' type augmentation.
// The cpu backend is registered too, as the @tensorflow/tfjs package did, so `tf` works before initBackend().
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
