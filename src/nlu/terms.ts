export interface TermMatch {
  /** The dictionary term found. */
  term: string
  /** The text matched: the term, or the term with a plural or possessive s. */
  text: string
  start: number
  end: number
}

// Keyed by UTF-16 code unit: a number hashes at once, while text[i] of a Chinese character is a new
// string to allocate and hash, for every character of every message in every detector.
interface TrieNode {
  next: Map<number, TrieNode>
  term?: string
}

/** a-z and 0-9, by code unit: this runs for every character of a message. */
const isWordCode = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57)
const isWordChar = (text: string, at: number) =>
  at >= 0 && at < text.length && isWordCode(text.charCodeAt(at))

/**
 * Finds dictionary terms in a text, leftmost and longest first, in one walk of a character trie.
 * A regular expression alternation of the same terms tries every term at every position, which
 * with hundreds of English names cost about 1 ms a message. A term that starts or ends with a Latin
 * letter or digit matches whole words only ("ent" is not in "dentist"), with `plural` also followed
 * by s or 's; Chinese has no spaces, so Chinese terms match anywhere.
 */
export class TermIndex {
  private readonly root: TrieNode = { next: new Map() }
  readonly size: number

  constructor(
    terms: Iterable<string>,
    private readonly options: { plural?: boolean } = {},
  ) {
    const unique = new Set([...terms].filter(Boolean))
    for (const term of unique) {
      let node = this.root
      for (let k = 0; k < term.length; k++) {
        const unit = term.charCodeAt(k)
        let child = node.next.get(unit)
        if (!child) {
          child = { next: new Map() }
          node.next.set(unit, child)
        }
        node = child
      }
      node.term = term
    }
    this.size = unique.size
  }

  matches(text: string): TermMatch[] {
    const out: TermMatch[] = []
    let i = 0
    while (i < text.length) {
      const found = this.longestAt(text, i)
      if (found) {
        out.push(found)
        i = found.end
      } else i++
    }
    return out
  }

  test(text: string): boolean {
    for (let i = 0; i < text.length; i++) if (this.longestAt(text, i)) return true
    return false
  }

  /** The text with each term found replaced. */
  replace(text: string, by: (match: TermMatch) => string): string {
    let out = ''
    let at = 0
    for (const m of this.matches(text)) {
      out += text.slice(at, m.start) + by(m)
      at = m.end
    }
    return out + text.slice(at)
  }

  private longestAt(text: string, start: number): TermMatch | undefined {
    // Most characters start no term at all: that is the first thing to find out.
    let node: TrieNode | undefined = this.root.next.get(text.charCodeAt(start))
    if (!node) return undefined
    // Every term starting here starts with text[start]: inside a Latin word, none may match.
    if (isWordChar(text, start) && isWordChar(text, start - 1)) return undefined
    let best: TermMatch | undefined
    for (let i = start; node;) {
      if (node.term) {
        const end = this.endOf(text, node.term, i + 1)
        if (end >= 0) best = { term: node.term, text: text.slice(start, end), start, end }
      }
      if (++i >= text.length) break
      node = node.next.get(text.charCodeAt(i))
    }
    return best
  }

  /** Where a term found ending at `end` really ends, or -1 when it is only part of a longer word. */
  private endOf(text: string, term: string, end: number): number {
    if (!isWordChar(term, term.length - 1)) return end
    if (this.options.plural) {
      for (const suffix of ["'s", 's']) {
        if (text.startsWith(suffix, end) && !isWordChar(text, end + suffix.length)) return end + suffix.length
      }
    }
    return isWordChar(text, end) ? -1 : end
  }
}
