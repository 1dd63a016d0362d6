export { type CliIo, type Command, type CommandDefinition, defineCommand } from './command.js';
export { type CommandEntry, type CommandTable, DATA_COMMANDS, runDataCli } from './main.js';
export { progressLines } from './progress-line.js';
