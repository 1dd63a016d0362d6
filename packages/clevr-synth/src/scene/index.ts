export * from './clevr-json.js';
export * from './generate.js';
export * from './relationships.js';
export * from './sample-scene.js';
