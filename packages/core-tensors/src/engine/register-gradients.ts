// tfjs-core's Node bundle ships no gradient definitions; the union package registers all of them
// (into tfjs-core's global registry) when it is loaded. Import this module before taking any gradient.
import '@tensorflow/tfjs';
