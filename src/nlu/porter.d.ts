// natural is imported by file so that its storage back-ends (which read .env on load) stay unloaded.
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(token: string): string }
  export default PorterStemmer
}
