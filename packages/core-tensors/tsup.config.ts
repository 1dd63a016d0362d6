import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

/** The chained-op type augmentation (`x.toFloat()` on tf.Tensor) that src/engine/register-gradients.ts loads. */
const chainedOpTypes = '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

export default defineConfig(
  libraryBuild({
    entry: ['src/index.ts', 'src/browser.ts'],
    // tfjs-core's gradient and chained-op registration modules are extensionless ES modules that Node cannot
    // load: bundle them (tfjs-core's public entry stays external, so there is one engine and one registry).
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
    // The declaration bundler drops side-effect imports; without this one a consumer's tf.Tensor has no chained ops.
    dts: { banner: `import '${chainedOpTypes}';` },
  }),
);
