import { BlockList, isIP, type Server, type Socket } from 'node:net'

/** The addresses and CIDR ranges of TRUST_PROXY, matched the way Fastify's trustProxy matches them. */
export function addressList(entries: string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/')
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(bits), type)
  }
  return list
}

/** An address, or an address with a prefix length that fits it (`10.0.0.0/8`, `fd00::/8`). */
export function isIpOrCidr(value: string): boolean {
  const [address = '', bits, extra] = value.split('/')
  const version = isIP(address)
  if (!version || extra !== undefined) return false
  if (bits === undefined) return true
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128)
}

export interface ConnectionCapLog {
  warn(obj: object, msg: string): void
}

/**
 * At most `perAddress` open TCP connections from one peer address: one client cannot hold every file
 * descriptor with idle or half-open sockets (the request timeout ends each one; this bounds how many
 * at a time). A trusted proxy's connections carry every patient, so they are capped at the proxy.
 */
export function capConnections(
  server: Server,
  perAddress: number,
  trusted: BlockList | undefined,
  log: ConnectionCapLog,
): void {
  const open = new Map<string, number>()
  // One warning per address while it stays at the cap, not one per refused connection.
  const warned = new Set<string>()
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress
    if (!address || trusted?.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')) return
    const count = open.get(address) ?? 0
    if (count >= perAddress) {
      if (!warned.has(address)) {
        warned.add(address)
        log.warn({ address, open: count }, 'connection refused: too many open connections from one address')
      }
      socket.destroy()
      return
    }
    open.set(address, count + 1)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left > 0) open.set(address, left)
      else {
        open.delete(address)
        warned.delete(address)
      }
    })
  })
}
