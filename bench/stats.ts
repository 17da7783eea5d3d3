export interface Summary {
  median: number
  p99: number
  min: number
  max: number
  n: number
}

export function summarise(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b)
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0
  return { median: at(0.5), p99: at(0.99), min: s[0] ?? 0, max: s[s.length - 1] ?? 0, n: s.length }
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits)
