export * from './address-decoder.js';
export * from './config.js';
export * from './reinforce.js';
export * from './schedules.js';
