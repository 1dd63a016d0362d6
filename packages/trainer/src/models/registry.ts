import type { ModelFactory } from './model-adapter.js';

export interface ModelEntry {
  description: string;
  /** Loads the model's package on use, so a model whose package is missing or broken fails alone. */
  load: () => Promise<ModelFactory>;
}

/** The models `mmnet train --model NAME` knows; packages and applications may add their own. */
export class ModelRegistry {
  private readonly entries = new Map<string, ModelEntry>();

  register(name: string, entry: ModelEntry): this {
    this.entries.set(name, entry);
    return this;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  describe(name: string): string | undefined {
    return this.entries.get(name)?.description;
  }

  async factory(name: string): Promise<ModelFactory> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`unknown model "${name}" (models: ${this.names().join(', ')})`);
    try {
      return await entry.load();
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new Error(`model ${name} is not available: ${message}`);
    }
  }
}
