import { XMLParser, XMLValidator } from 'fast-xml-parser'

/** A WeChat callback body's fields (ToUserName, MsgType, Content, Encrypt…), all as text. */
export type WechatXml = Record<string, string>

export class XmlError extends Error {}

const parser = new XMLParser({
  // MsgId is a 64-bit number: read as a number it would lose its last digits, and two messages
  // would share an id.
  parseTagValue: false,
  ignoreAttributes: true,
  // WeChat's fields are CDATA or plain text; no entity of a DOCTYPE is ever needed (bodies with one
  // are refused below), so none is expanded.
  processEntities: false,
  trimValues: true,
})

/** The `<xml>` element's direct children as text; anything that is not one WeChat message is an error. */
export function parseWechatXml(body: string): WechatXml {
  // WeChat never sends a DOCTYPE; refusing it rules out entity expansion (billion laughs) outright.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new XmlError('a DOCTYPE is not accepted')
  const valid = XMLValidator.validate(body)
  if (valid !== true) throw new XmlError(`${valid.err.msg} (line ${valid.err.line})`)
  const root = (parser.parse(body) as { xml?: unknown }).xml
  if (!root || typeof root !== 'object') throw new XmlError('no <xml> element')
  const fields: WechatXml = {}
  for (const [name, value] of Object.entries(root)) {
    if (typeof value === 'string') fields[name] = value
  }
  return fields
}

/** A CDATA section that holds any text: "]]>" inside it is split across two sections. */
const cdata = (text: string) => `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`

/** A passive text reply (被动回复文本消息), from the account to the patient. */
export function textReplyXml(to: string, from: string, createTime: number, content: string): string {
  return (
    `<xml><ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content>${cdata(content)}</Content></xml>`
  )
}

/** The envelope of an encrypted reply (safe and compatible modes). */
export function encryptedReplyXml(
  encrypt: string,
  signature: string,
  timestamp: string,
  nonce: string,
): string {
  return (
    `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`
  )
}
