import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  type Checkpoint,
  loadCheckpoint,
  type NamedArray,
  saveCheckpoint,
  writeFileAtomic,
} from '@mmnet/core-tensors';
import { z } from 'zod';

/** A checkpoint named by run.json: a file directly in the run's checkpoints/ folder, nowhere else. */
const checkpointPathSchema = z
  .string()
  .regex(
    /^checkpoints[/\\][^/\\\0]+\.safetensors$/,
    "must name a .safetensors file in the run's checkpoints/ folder",
  );

/** run.json: the pointer to the checkpoints, written last, so a kill at any moment leaves a valid run. */
export const manifestSchema = z.object({
  format: z.literal('mmnet-run'),
  version: z.literal(1),
  /** Paths relative to the run folder. */
  latest: checkpointPathSchema,
  /** The checkpoint before `latest`, kept so that a damaged `latest` can be resumed from the one before. */
  previous: checkpointPathSchema.optional(),
  best: checkpointPathSchema.optional(),
  bestValAccuracy: z.number().optional(),
  step: z.number().int().nonnegative(),
});
export type RunManifest = z.infer<typeof manifestSchema>;

export const CHECKPOINT_FORMAT = 'mmnet-training-checkpoint';

/**
 * The files of a run: run.json, checkpoints/step-NNNNNNN.safetensors, metrics.jsonl, events, report.html.
 * A checkpoint file is written under a temporary name and renamed; the manifest is updated after it; old
 * checkpoint files are removed only after the manifest no longer names them.
 */
export class RunDirectory {
  readonly manifestPath: string;
  readonly checkpointDir: string;

  constructor(readonly dir: string) {
    this.manifestPath = join(dir, 'run.json');
    this.checkpointDir = join(dir, 'checkpoints');
  }

  ensure(): void {
    mkdirSync(this.checkpointDir, { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  hasManifest(): boolean {
    return existsSync(this.manifestPath);
  }

  readManifest(): RunManifest {
    let text: string;
    try {
      text = readFileSync(this.manifestPath, 'utf8');
    } catch {
      throw new Error(`${this.manifestPath}: no run manifest (is ${this.dir} a run folder of mmnet train?)`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.manifestPath}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = manifestSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${this.manifestPath}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return parsed.data;
  }

  /** Loads a checkpoint named by the manifest; a damaged file is refused with its name. */
  loadCheckpoint(relativePath: string): Checkpoint {
    const file = join(this.dir, relativePath);
    const checkpoint = loadCheckpoint(file);
    if (checkpoint.metadata.format !== CHECKPOINT_FORMAT) {
      throw new Error(
        `${file}: not an mmnet training checkpoint (metadata.format is ${JSON.stringify(checkpoint.metadata.format)})`,
      );
    }
    return checkpoint;
  }

  /**
   * The checkpoint to resume from: `latest`, or when that file cannot be loaded, `previous` (`log` says why).
   * Errors name the files.
   */
  loadResumeCheckpoint(log: (line: string) => void): { checkpoint: Checkpoint; relativePath: string } {
    const manifest = this.readManifest();
    try {
      return { checkpoint: this.loadCheckpoint(manifest.latest), relativePath: manifest.latest };
    } catch (error) {
      if (!manifest.previous || manifest.previous === manifest.latest) throw error;
      const checkpoint = this.loadCheckpoint(manifest.previous);
      log(
        `${(error as Error).message.split('\n')[0]}; resuming from the checkpoint before it, ${join(this.dir, manifest.previous)}`,
      );
      return { checkpoint, relativePath: manifest.previous };
    }
  }

  /** The file name of checkpoint `step`, relative to the run folder. */
  checkpointName(step: number): string {
    return relative(this.dir, join(this.checkpointDir, `step-${String(step).padStart(7, '0')}.safetensors`));
  }

  /** Writes checkpoint `step`, then the manifest, then removes files the manifest no longer names. */
  commit(
    step: number,
    tensors: Record<string, NamedArray>,
    metadata: Record<string, unknown>,
    best: { isBest: boolean; valAccuracy?: number },
  ): RunManifest {
    this.ensure();
    const latest = this.checkpointName(step);
    saveCheckpoint(join(this.dir, latest), tensors, { ...metadata, format: CHECKPOINT_FORMAT });
    const previous = this.hasManifest() ? this.readManifest() : undefined;
    const manifest: RunManifest = {
      format: 'mmnet-run',
      version: 1,
      latest,
      previous: previous && previous.latest !== latest ? previous.latest : previous?.previous,
      step,
      best: best.isBest ? latest : previous?.best,
      bestValAccuracy: best.isBest ? best.valAccuracy : previous?.bestValAccuracy,
    };
    writeFileAtomic(this.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    this.prune(manifest);
    return manifest;
  }

  /** Removes checkpoint files (and temporary files of interrupted writes) not named by the manifest. */
  prune(manifest: RunManifest): void {
    if (!existsSync(this.checkpointDir)) return;
    const keep = new Set(
      [manifest.latest, manifest.previous, manifest.best].filter(Boolean).map((p) => join(this.dir, p!)),
    );
    for (const name of readdirSync(this.checkpointDir)) {
      const file = join(this.checkpointDir, name);
      if (!keep.has(file)) rmSync(file, { force: true });
    }
  }
}
