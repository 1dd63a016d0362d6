import { execFileSync } from 'node:child_process';

/**
 * The git commit of the code in `dir` (abbreviated), with `-dirty` when tracked files have uncommitted changes;
 * undefined outside a git checkout or without git.
 */
export function gitCodeVersion(dir: string): string | undefined {
  const git = (args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const commit = git(['rev-parse', '--short=7', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return undefined;
  }
}
