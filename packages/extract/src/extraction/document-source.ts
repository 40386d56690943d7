/** One document: text to tokenize, or tokens already (a story the model sampled). */
export type ExtractDocument = { text: string } | { tokens: Int32Array };

/**
 * Where extraction's documents come from, in a fixed order, so an interrupted extraction resumes
 * by skipping the documents it finished.
 */
export interface DocumentSource {
  /** For messages: "prompts.txt (text lines)". */
  readonly description: string;
  /** Written to the manifest; a resumed extraction must match it. */
  readonly identity: Readonly<Record<string, string | number>>;
  /** Documents from index `skip` on. */
  documents(skip: number): AsyncIterable<ExtractDocument>;
}
