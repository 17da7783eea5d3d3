/**
 * Every match of a global regular expression. `String.prototype.matchAll` copies the expression on
 * each call, and the copy looks its compiled code up by the whole source: ~3 µs for an alternation of
 * a few hundred rule words, against ~0.03 µs for this loop. Detectors run a few dozen per message.
 */
export function execAll(re: RegExp, text: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = []
  re.lastIndex = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    found.push(m)
    // An empty match would match again at the same place: step over one character (code point).
    if (m[0] === '') re.lastIndex = m.index + ((text.codePointAt(m.index) ?? 0) > 0xffff ? 2 : 1)
  }
  re.lastIndex = 0
  return found
}
