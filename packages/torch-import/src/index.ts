export * from './pickle/python-values.js';
export * from './pickle/unpickler.js';
export * from './torch/tensors.js';
export * from './torch/torch-load.js';
export * from './zip/stored-zip.js';
