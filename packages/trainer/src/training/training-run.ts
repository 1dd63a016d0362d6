import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listPngFiles } from '@mmnet/clevr-data';
import { isWasmTrap, prepareOutputFile, removeStaleTempFiles, writeFileAtomic } from '@mmnet/core-tensors';
import { RunDirectory } from '../checkpoint/run-directory.js';
import { JsonlMetrics, type MetricsRecord } from '../metrics/jsonl.js';
import { formatDuration, type ProgressSink } from '../metrics/progress.js';
import { TensorBoardWriter } from '../metrics/tensorboard.js';
import { buildReportHtml, type ReportData } from '../report/html-report.js';
import { pngSize } from '../report/png-size.js';
import { TrainingDivergedError, wasmTrapMessage } from './errors.js';
import type { EvalResult } from './evaluate.js';
import { evaluate } from './evaluate.js';
import { learningRateFactor, scheduleProgress } from './lr-schedule.js';
import type { Trainer } from './trainer.js';

export interface RunSummary {
  steps: number;
  epochs: number;
  finalValAccuracy: number;
  bestValAccuracy: number;
  prior: number;
  reportPath: string;
  runDir: string;
  questionsPerSecond: number;
  /** True when --max_minutes ended the run before its last iteration. */
  stoppedByTime: boolean;
}

/**
 * The side effects of a training run: checkpoints (temp file + rename + manifest), metrics JSONL, TensorBoard
 * events, the HTML report refreshed at each validation, and progress lines.
 */
export class TrainingRun {
  readonly dir: RunDirectory;
  readonly metrics: JsonlMetrics;
  private tensorboard?: TensorBoardWriter;
  private lastEval?: EvalResult;
  private valImages?: string[] | null;
  private trainSeconds = 0;
  private trainQuestions = 0;
  private loopStart?: number;

  constructor(
    readonly trainer: Trainer,
    runDir: string,
    private readonly progress: ProgressSink,
    private readonly options: { resumed: boolean; tensorboard?: boolean } = { resumed: false },
  ) {
    this.dir = new RunDirectory(runDir);
    this.dir.ensure();
    // Temporary files of writes a kill interrupted (checkpoints/ is pruned at each commit).
    for (const file of ['run.json', 'metrics.jsonl', 'config.json', 'report.html'])
      removeStaleTempFiles(this.dir.path(file));
    if (trainer.config.save_model) {
      prepareOutputFile(trainer.config.save_model, '--save_model');
      removeStaleTempFiles(trainer.config.save_model);
    }
    this.metrics = new JsonlMetrics(this.dir.path('metrics.jsonl'));
    // A resumed run repeats the steps after its checkpoint; a new run (step 0) drops the lines of an earlier
    // attempt killed before its first checkpoint.
    this.metrics.truncateAfter(trainer.step);
    if (options.tensorboard !== false) this.tensorboard = new TensorBoardWriter(this.dir.path('tensorboard'));
    writeFileAtomic(this.dir.path('config.json'), `${JSON.stringify(trainer.config, null, 2)}\n`);
  }

  private async imageFiles(): Promise<string[] | null> {
    if (this.valImages !== undefined) return this.valImages;
    const dir = this.trainer.config.clevr_val_images;
    this.valImages = null;
    if (dir) {
      try {
        this.valImages = await listPngFiles(dir);
      } catch (error) {
        this.progress.log(`report: no validation images (${(error as Error).message})`);
      }
    }
    return this.valImages;
  }

  /** Trains to the end (or until the loss diverges); validates and checkpoints every --num_iterations. */
  async run(): Promise<RunSummary> {
    const t = this.trainer;
    const cfg = t.config;
    const total = t.totalIterations;
    this.progress.log(
      `training ${t.model.name} (${t.model.store.countWeights()} weights) on ${t.questionsPerEpoch} questions` +
        (t.programsOnly
          ? ` (their programs: --program_supervision_fraction ${cfg.program_supervision_fraction}` +
            (t.pseudoPrograms
              ? `, the loaded generator's for ${t.pseudoPrograms.size} of them (--pseudo_program_min_log_prob ${cfg.pseudo_program_min_log_prob})`
              : '') +
            '; train accuracy = program exact match)'
          : t.supervisedRows
            ? ` (plus ${cfg.program_loss_weight} x the program loss of ${t.supervisedRows.length} of them)`
            : '') +
        ', ' +
        `${t.batchesPerEpoch} batches/epoch, ${total} iterations; validation on ${t.val.size} questions; ` +
        `answer-type prior ${t.prior.accuracy.toFixed(3)}`,
    );
    if (this.options.resumed) this.progress.log(`resumed at step ${t.step} (epoch ${t.position.epoch + 1})`);
    let lastValidated = this.options.resumed ? t.step : -1;
    let windowLoss = 0;
    let windowCorrect = 0;
    let windowQuestions = 0;
    let windowCount = 0;
    // A first report before the clock starts: it shows the run from the start, loads the chart libraries outside
    // the time budget, and measures how long a report takes (which spaces the reports of the validations).
    await this.writeReport();
    this.loopStart = performance.now();
    const deadline =
      cfg.max_minutes !== undefined ? this.loopStart + cfg.max_minutes * 60_000 : Number.POSITIVE_INFINITY;
    this.deadline = deadline;
    let stoppedByTime = false;
    while (!t.finished) {
      if (performance.now() > deadline) {
        stoppedByTime = true;
        this.progress.log(`--max_minutes ${cfg.max_minutes}: stopping at step ${t.step} of ${total}`);
        break;
      }
      t.setLearningRateFactor(this.learningRateFactor());
      const started = performance.now();
      let result: ReturnType<Trainer['iteration']>;
      try {
        result = t.iteration();
      } catch (error) {
        if (error instanceof TrainingDivergedError)
          throw new TrainingDivergedError(
            `${error.message}; ${this.lastGoodCheckpoint(' and perhaps a lower --lr')}`,
          );
        if (isWasmTrap(error))
          throw new Error(
            `${wasmTrapMessage(error, t.step + 1, cfg.batch_size)}; ${this.lastGoodCheckpoint('')}`,
          );
        throw error;
      }
      const seconds = (performance.now() - started) / 1000;
      this.trainSeconds += seconds;
      this.trainQuestions += result.questions;
      windowLoss += result.loss;
      windowCorrect += result.accuracy * result.questions;
      windowQuestions += result.questions;
      windowCount++;
      const qps = this.trainQuestions / Math.max(1e-9, this.trainSeconds);
      // Training is synchronous tensor work: without a yield, timers and I/O callbacks of the process (a caller
      // recording the time used, a progress bar) would wait until the run ends.
      await yieldToEventLoop();
      this.progress.update({
        step: t.step,
        totalSteps: total,
        epoch: t.position.epoch + 1,
        loss: result.loss,
        accuracy: result.accuracy,
        questionsPerSecond: qps,
        etaSeconds: this.etaSeconds(total - t.step, this.trainSeconds / this.stepsThisProcess(t.step)),
      });
      const record: MetricsRecord = {
        kind: 'train',
        step: t.step,
        epoch: result.epoch + 1,
        loss: result.loss,
        accuracy: result.accuracy,
        questions_per_second: qps,
      };
      this.metrics.append(record);
      if (t.step % 10 === 0 || t.step === total) {
        this.tensorboard?.scalars(t.step, {
          'train/loss': windowLoss / windowCount,
          'train/accuracy': windowCorrect / Math.max(1, windowQuestions),
          'train/questions_per_second': qps,
        });
        windowLoss = 0;
        windowCorrect = 0;
        windowQuestions = 0;
        windowCount = 0;
      }
      if (t.step % cfg.num_iterations === 0 || t.step === total) {
        await this.validateAndCheckpoint();
        lastValidated = t.step;
      }
    }
    // Also when a resumed run had already done its last iteration (nothing validated in this process); its
    // checkpoint and val record exist already, so then the validation is only for the summary and report.
    if (lastValidated !== t.step) await this.validateAndCheckpoint();
    else if (!this.lastEval) await this.validateAndCheckpoint({ record: !this.hasValRecord(t.step) });
    if (this.reportedStep !== t.step) await this.writeReport();
    this.progress.done();
    const evalResult = this.lastEval!;
    return {
      steps: t.step,
      epochs: t.position.epoch + 1,
      finalValAccuracy: evalResult.accuracy,
      bestValAccuracy: t.bestValAccuracy,
      prior: t.prior.accuracy,
      reportPath: this.dir.path('report.html'),
      runDir: this.dir.dir,
      questionsPerSecond: this.trainQuestions / Math.max(1e-9, this.trainSeconds),
      stoppedByTime,
    };
  }

  /** --lr_schedule's factor for the next iteration (`scheduleProgress`: iterations, or minutes across resumes). */
  private learningRateFactor(): number {
    const t = this.trainer;
    const cfg = t.config;
    const progress = scheduleProgress({
      step: t.step,
      totalIterations: t.totalIterations,
      minutesBefore: t.scheduleMinutesBefore,
      minutesThisProcess: this.minutesThisProcess(),
      maxMinutes: cfg.max_minutes,
    });
    return learningRateFactor(
      { schedule: cfg.lr_schedule, warmup: cfg.lr_warmup, finalFactor: cfg.lr_final_factor },
      t.step,
      progress,
    );
  }

  /** Wall-clock minutes since this process's training loop began (0 before it). */
  private minutesThisProcess(): number {
    return this.loopStart === undefined ? 0 : (performance.now() - this.loopStart) / 60_000;
  }

  private deadline = Number.POSITIVE_INFINITY;

  /**
   * Seconds left: the remaining steps at the current pace, or the time until --max_minutes ends the run when
   * that comes first.
   */
  etaSeconds(stepsLeft: number, secondsPerStep: number): number {
    const bySteps = stepsLeft * secondsPerStep;
    const byBudget = (this.deadline - performance.now()) / 1000;
    return Math.max(0, Math.min(bySteps, byBudget));
  }

  /** True when metrics.jsonl already holds the val record of `step` (a resumed run that had finished). */
  private hasValRecord(step: number): boolean {
    return this.metrics.read().some((r) => r.kind === 'val' && r.step === step);
  }

  private startStep?: number;
  private stepsThisProcess(step: number): number {
    this.startStep ??= step - 1;
    return step - this.startStep;
  }

  /**
   * Validation, then its metrics record, --save_model on a new best, the checkpoint, events and the report. The
   * record and --save_model come before the checkpoint: a kill before the commit resumes from the previous
   * checkpoint (the records after it are dropped and written again), a kill after it loses nothing.
   * `record: false` only evaluates (a finished run resumed again: its checkpoint and record exist).
   */
  async validateAndCheckpoint(options: { record?: boolean } = {}): Promise<EvalResult> {
    const record = options.record ?? true;
    const t = this.trainer;
    const cfg = t.config;
    const result = evaluate(t.model, t.val, {
      batchSize: cfg.batch_size,
      maxSamples: cfg.num_val_samples,
      vocab: t.vocab,
      sampleCount: cfg.report_samples,
      step: t.step,
    });
    this.lastEval = result;
    const isBest = result.accuracy > t.bestValAccuracy;
    if (isBest) t.bestValAccuracy = result.accuracy;
    const perKind = Object.fromEntries(
      Object.entries(result.perKind).map(([k, v]) => [k, v.total ? v.correct / v.total : 0]),
    );
    if (!record) return result;
    this.metrics.append({
      kind: 'val',
      step: t.step,
      epoch: t.position.epoch + 1,
      loss: result.loss,
      accuracy: result.accuracy,
      prior: t.prior.accuracy,
      per_kind: perKind,
      program_exact_match: result.programExactMatch ?? null,
      checkpoint: this.dir.checkpointName(t.step),
    });
    if (isBest && cfg.save_model) t.saveModel(cfg.save_model);
    const state = await t.state();
    // The schedule's clock at this checkpoint: a resumed run continues its time-based decay from here.
    state.metadata.schedule_minutes = t.scheduleMinutesBefore + this.minutesThisProcess();
    this.dir.commit(t.step, state.tensors, state.metadata, { isBest, valAccuracy: result.accuracy });
    this.tensorboard?.scalars(t.step, {
      'val/accuracy': result.accuracy,
      'val/loss': result.loss,
      'val/answer_type_prior': t.prior.accuracy,
      ...Object.fromEntries(
        Object.entries(perKind).map(([k, v]) => [`val/accuracy_${k.replace('/', '_')}`, v]),
      ),
      ...(result.programExactMatch !== undefined
        ? { 'val/program_exact_match': result.programExactMatch }
        : {}),
    });
    const images = await this.imageFiles();
    if (this.tensorboard && images) {
      const summaries: Record<string, { height: number; width: number; png: Uint8Array }> = {};
      for (const [i, s] of result.samples.slice(0, 3).entries()) {
        const file = images[s.imageIndex];
        if (!file) continue;
        const png = readFileSync(file);
        const size = pngSize(png);
        if (size) summaries[`val/sample_${i}`] = { ...size, png };
      }
      if (Object.keys(summaries).length) this.tensorboard.images(t.step, summaries);
    }
    this.progress.log(
      `step ${t.step}: val accuracy ${result.accuracy.toFixed(3)} (answer-type prior ${t.prior.accuracy.toFixed(3)}, best ${t.bestValAccuracy.toFixed(3)}), val loss ${result.loss.toFixed(4)}` +
        (result.programExactMatch !== undefined
          ? `, program exact match ${result.programExactMatch.toFixed(3)}`
          : '') +
        `, ${formatDuration(this.trainSeconds)} training`,
    );
    if (performance.now() >= this.reportDue) await this.writeReport();
    return result;
  }

  /** When a validation may rewrite the report again (see `writeReport`). */
  private reportDue = 0;
  /** The step of the report last written (-1: none yet). */
  private reportedStep = -1;

  /**
   * Writes report.html. Drawing its charts takes a fraction of a second, so with frequent validations the next
   * validation's report waits until 19 times as long has passed (under 5 % of the run's time); the run's last step
   * always gets its report.
   */
  async writeReport(): Promise<string> {
    const started = performance.now();
    const t = this.trainer;
    const images = await this.imageFiles();
    const data: ReportData = {
      title: `mmnet ${t.model.name} — ${t.config.clevr_dataset}`,
      model: t.model.name,
      config: t.config as unknown as Record<string, unknown>,
      backend: t.backend()?.name ?? 'unknown',
      weights: t.model.store.countWeights(),
      step: t.step,
      totalSteps: t.totalIterations,
      prior: t.prior.accuracy,
      majority: t.prior.majorityAccuracy,
      bestValAccuracy: Number.isFinite(t.bestValAccuracy) ? t.bestValAccuracy : undefined,
      history: this.metrics.read(),
      evaluation: this.lastEval,
      imageFor: (imageIndex) => {
        const file = images?.[imageIndex];
        if (!file) return undefined;
        return `data:image/png;base64,${readFileSync(file).toString('base64')}`;
      },
      addressingLabels: t.model.addressingLabels,
      attentionLabel: t.model.attentionLabel,
    };
    const path = this.dir.path('report.html');
    writeFileAtomic(path, await buildReportHtml(data));
    this.reportedStep = t.step;
    this.reportDue = performance.now() + 19 * (performance.now() - started);
    return path;
  }

  /** Where training can continue from after a failed step (`resumeHint` follows the resume command). */
  private lastGoodCheckpoint(resumeHint: string): string {
    const manifest = this.dir.hasManifest() ? this.dir.readManifest() : undefined;
    return manifest
      ? `the last good checkpoint is ${join(this.dir.dir, manifest.latest)} (step ${manifest.step}); resume with --resume ${this.dir.dir}${resumeHint}`
      : 'no checkpoint had been written yet';
  }
}

/** Resolves after the event loop's pending timers and I/O callbacks have had their turn. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
