export * from './label-maps.js';
export * from './render-scene.js';
export { BACKGROUND_ID } from './scene-renderer.js';
export * from './srgb.js';
export * from './style.js';
export * from './visibility.js';
