/**
 * Writes the published knowledge (or the draft with --draft) as the YAML files of knowledge/ and
 * intents/zh/ into a folder, so a hospital can keep its knowledge in git:
 *   node dist/scripts/knowledge-files.js OUT_DIR [--draft]
 * Uses the configured storage (DATA_DIR or REDIS_URL); with the embedded store, run it while the
 * server is stopped. To load files back, POST them to /api/admin/knowledge/import, or start the
 * bot with KNOWLEDGE_DIR/INTENTS_DIR pointing at them before anything was published.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../src/config.js'
import { filesFromSource } from '../src/knowledge-base/load.js'
import { openEmbeddedStores } from '../src/storage/embedded.js'
import { openRedisStores } from '../src/storage/redis.js'

const [out, flag] = process.argv.slice(2)
if (!out) {
  console.error('usage: node dist/scripts/knowledge-files.js OUT_DIR [--draft]')
  process.exit(2)
}
const config = loadConfig(process.env)
const stores = config.redisUrl
  ? await openRedisStores(config.redisUrl, config.redisPrefix)
  : openEmbeddedStores(config.dataDir)
try {
  const source =
    flag === '--draft' ? (await stores.knowledge.draft())?.source : (await stores.knowledge.latest())?.source
  if (!source) {
    console.error(
      flag === '--draft'
        ? 'there is no draft'
        : 'nothing has been published yet: the files in knowledge/ and intents/ are the knowledge',
    )
    process.exitCode = 1
  } else {
    const root = path.resolve(out)
    const files = Object.entries(filesFromSource(source)).map(([file, text]) => ({
      file,
      target: path.resolve(root, file),
      text,
    }))
    // Ids are checked when knowledge is saved, but a version stored before that check (or by hand)
    // could name an intent "../../x": every path is checked before anything is written.
    const outside = files.filter(({ target }) => {
      const rel = path.relative(root, target)
      return rel.startsWith('..') || path.isAbsolute(rel)
    })
    if (outside.length) {
      console.error(
        `refused: ${outside.map((f) => JSON.stringify(f.file)).join(', ')} would be written outside ${root}; ` +
          'ids may use only a-z, 0-9 and _ (fix them in the admin page and publish again)',
      )
      process.exitCode = 1
    } else {
      for (const { target, text } of files) {
        mkdirSync(path.dirname(target), { recursive: true })
        writeFileSync(target, text)
      }
      console.log(`wrote ${files.length} files to ${out}`)
    }
  }
} finally {
  await stores.close()
}
