export * from './checkpoint-data.js';
export * from './checkpoint-files.js';
export * from './safetensors-format.js';
