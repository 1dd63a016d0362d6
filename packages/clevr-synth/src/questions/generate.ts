import type { Scene } from '@mmnet/clevr-data';
import { executeProgram } from '@mmnet/clevr-data';
import type { ProgramStep } from '@mmnet/programs';
import { AnswerCounts } from './answer-balance.js';
import { type InstantiateOptions, instantiateTemplate, possibleAnswers } from './instantiate.js';
import { createSeededRandom, type RandomSource, shuffleInPlace } from './random.js';
import { realiseText } from './realise-text.js';
import type { TemplateSet } from './template-set.js';

/**
 * One generated question in the official questions.json layout. A type alias, not an interface, so that it is
 * assignable to the format's `Question` (an object type with an index signature), e.g. for `buildVocab`.
 */
export type GeneratedQuestion = {
  split: string;
  image_index: number;
  image_filename: string;
  image: string;
  question: string;
  answer: string;
  program: ProgramStep[];
  question_family_index: number;
  template_filename: string;
  question_index: number;
};

export interface GenerateOptions extends InstantiateOptions {
  /** Seed of the generator's random choices (ignored when `rng` is given). Default 0. */
  seed?: number;
  rng?: RandomSource;
  /** Stop after this many templates gave questions for a scene (CLEVR default 10). */
  templatesPerImage?: number;
  /** Reset the template and answer counts every this many scenes (CLEVR default 250; 0 = never). */
  resetCountsEvery?: number;
}

export interface GenerationStats {
  scenes: number;
  questions: number;
  /** Search states popped over all templates. */
  states: number;
  /** Template attempts stopped by maxStates. */
  truncatedSearches: number;
  /** Questions per template familyIndex. */
  perTemplate: number[];
}

/**
 * Generates questions scene by scene as CLEVR's generator does: templates are tried in order of how few
 * questions they have given so far (ties in random order) until `templatesPerImage` of them gave
 * questions; answers are balanced per template. Every question's answer is re-computed with the
 * executor as a check. Keeps its counts across calls, so scenes can be streamed.
 */
export class QuestionGenerator {
  readonly stats: GenerationStats;
  private readonly rng: RandomSource;
  private templateCounts: number[] = [];
  private answerCounts: AnswerCounts[] = [];
  private nextQuestionIndex = 0;

  constructor(
    private readonly set: TemplateSet,
    private readonly options: GenerateOptions = {},
  ) {
    this.rng = options.rng ?? createSeededRandom(options.seed ?? 0);
    this.stats = {
      scenes: 0,
      questions: 0,
      states: 0,
      truncatedSearches: 0,
      perTemplate: set.templates.map(() => 0),
    };
    this.resetCounts();
  }

  /** Forgets template and answer counts (done every `resetCountsEvery` scenes). */
  resetCounts(): void {
    this.templateCounts = this.set.templates.map(() => 0);
    this.answerCounts = this.set.templates.map(
      (t) => new AnswerCounts(possibleAnswers(t, this.set.metadata)),
    );
  }

  /** The questions for one more scene. */
  generateForScene(scene: Scene): GeneratedQuestion[] {
    const every = this.options.resetCountsEvery ?? 250;
    if (every > 0 && this.stats.scenes > 0 && this.stats.scenes % every === 0) this.resetCounts();
    this.stats.scenes++;
    const order = shuffleInPlace(
      this.set.templates.map((_, i) => i),
      this.rng,
    );
    order.sort((a, b) => this.templateCounts[a] - this.templateCounts[b]);
    const perImage = this.options.templatesPerImage ?? 10;
    const out: GeneratedQuestion[] = [];
    let used = 0;
    for (const ti of order) {
      if (used >= perImage) break;
      const template = this.set.templates[ti];
      const r = instantiateTemplate(
        template,
        scene,
        this.set.metadata,
        this.answerCounts[ti],
        this.rng,
        this.options,
      );
      this.stats.states += r.states;
      if (r.truncated) this.stats.truncatedSearches++;
      if (r.instances.length === 0) continue;
      used++;
      this.templateCounts[ti]++;
      for (const inst of r.instances) {
        const check = executeProgram(inst.steps, scene, { values: null });
        if (!check.ok || check.answer !== inst.answer) {
          throw new Error(
            `internal error: ${template.filename}[${template.indexInFamily}] gave answer '${inst.answer}' but the executor says ${JSON.stringify(check)}`,
          );
        }
        out.push({
          split: scene.split,
          image_index: scene.image_index,
          image_filename: scene.image_filename,
          image: scene.image_filename.replace(/\.[^.]*$/, ''),
          question: realiseText(template.text, inst.vals, this.set.synonyms, this.rng),
          answer: inst.answer,
          program: inst.steps,
          question_family_index: template.familyIndex,
          template_filename: template.filename,
          question_index: this.nextQuestionIndex++,
        });
        this.stats.perTemplate[ti]++;
      }
    }
    this.stats.questions += out.length;
    return out;
  }
}

/** Generates questions for all scenes; returns them in the official file layout with statistics. */
export function generateQuestions(
  scenes: readonly Scene[],
  set: TemplateSet,
  options: GenerateOptions = {},
): { info: Record<string, unknown>; questions: GeneratedQuestion[]; stats: GenerationStats } {
  const generator = new QuestionGenerator(set, options);
  const questions = scenes.flatMap((s) => generator.generateForScene(s));
  return {
    info: { split: scenes[0]?.split ?? '', version: '1.0', templates: set.templates.length },
    questions,
    stats: generator.stats,
  };
}
