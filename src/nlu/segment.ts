import nodejieba from 'nodejieba'

/**
 * nodejieba loads its dictionary (~1 s, ~240 MB) once per process on first use; words from the
 * knowledge base are added at runtime, so a department added by an admin segments right at once.
 */
const inserted = new Set<string>()

export function addUserWords(words: Iterable<string>): void {
  for (const w of words) {
    const word = w.toLowerCase()
    if (!word || inserted.has(word) || /\s/.test(word)) continue
    nodejieba.insertWord(word)
    inserted.add(word)
  }
}

/** Words of a message, with HMM for unknown words (nodejieba 3.5.8: cut(s, true) enables it). */
export function segment(text: string): string[] {
  return nodejieba.cut(text, true).filter((w) => w.trim() !== '')
}

// Common and place nouns; person names (nr…) are who asks, not what about.
const NOUN = /^(n|ns|nt|nz|ng)$/

/** The nouns of a text (jieba's part-of-speech tags), for telling what a question is about. */
export function nouns(text: string): string[] {
  return nodejieba.tag(text).filter((t) => NOUN.test(t.tag)).map((t) => t.word)
}
