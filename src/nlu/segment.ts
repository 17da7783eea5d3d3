import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import nodejieba from 'nodejieba'

/**
 * nodejieba loads its dictionary (~1 s, ~240 MB) once per process; words from the knowledge base are
 * added at runtime, so a department added by an admin segments right at once.
 */
const inserted = new Set<string>()
let loaded = false

/**
 * jieba's 6 MB IDF table only serves keyword extraction, which NightDesk never asks for: a one-line
 * table instead saves ~250 ms and ~18 MB at start-up. Segmentation and tagging are unchanged.
 */
function loadJieba(): void {
  if (loaded) return
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-jieba-'))
  try {
    const idfDict = path.join(dir, 'idf.utf8')
    writeFileSync(idfDict, '医院 10\n')
    nodejieba.load({ idfDict })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  loaded = true
}

/**
 * The words added to jieba's dictionary in this process, in a stable order. Segmentation depends on all
 * of them (the dictionary only grows: names of earlier knowledge versions stay), so a training made
 * with one set must not be reused with another.
 */
export function userWords(): string[] {
  return [...inserted].sort()
}

export function addUserWords(words: Iterable<string>): void {
  loadJieba()
  for (const w of words) {
    const word = w.toLowerCase()
    if (!word || inserted.has(word) || /\s/.test(word)) continue
    nodejieba.insertWord(word)
    inserted.add(word)
  }
}

/** Words of a message, with HMM for unknown words (nodejieba 3.5.8: cut(s, true) enables it). */
export function segment(text: string): string[] {
  loadJieba()
  return nodejieba.cut(text, true).filter((w) => w.trim() !== '')
}

// Common and place nouns; person names (nr…) are who asks, not what about.
const NOUN = /^(n|ns|nt|nz|ng)$/

/** The nouns of a text (jieba's part-of-speech tags), for telling what a question is about. */
export function nouns(text: string): string[] {
  loadJieba()
  return nodejieba
    .tag(text)
    .filter((t) => NOUN.test(t.tag))
    .map((t) => t.word)
}
