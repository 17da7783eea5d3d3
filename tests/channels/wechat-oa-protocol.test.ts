import { describe, expect, it } from 'vitest'
import {
  DecryptError,
  MessageCipher,
  signatureMatches,
  wechatSignature,
} from '../../src/channels/wechat-oa/crypto.js'
import { parseWechatXml, textReplyXml, XmlError } from '../../src/channels/wechat-oa/xml.js'
import { loadConfig } from '../../src/config.js'

// WeChat's own sample (the platform's message-encryption sample code): a message encrypted by WeChat
// for app id wx2c2769f8efd9abc2 with this EncodingAESKey, and its msg_signature.
const SAMPLE = {
  token: 'spamtest',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
}

describe('WeChat message encryption', () => {
  it("verifies and decrypts WeChat's own sample message", () => {
    expect(wechatSignature(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.encrypt)).toBe(
      SAMPLE.msgSignature,
    )
    expect(
      signatureMatches(SAMPLE.msgSignature, SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.encrypt),
    ).toBe(true)
    const message = parseWechatXml(new MessageCipher(SAMPLE.aesKey, SAMPLE.appId).decrypt(SAMPLE.encrypt))
    expect(message).toEqual({
      ToUserName: 'gh_10f6c3c3ac5a',
      FromUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      CreateTime: '1409735668',
      MsgType: 'text',
      Content: 'abcdteT',
      // Kept as text: as a number, a 64-bit MsgId loses its last digits.
      MsgId: '6054768590064713728',
    })
  })

  it('round-trips any text, padded to 32 bytes, and refuses another account’s message', () => {
    const cipher = new MessageCipher(SAMPLE.aesKey, SAMPLE.appId)
    for (const text of ['', 'a', '心内科在几楼', 'x'.repeat(31), 'y'.repeat(32), '急'.repeat(700)]) {
      const encrypted = cipher.encrypt(text)
      expect(Buffer.from(encrypted, 'base64').length % 32).toBe(0)
      expect(cipher.decrypt(encrypted)).toBe(text)
    }
    const other = new MessageCipher(SAMPLE.aesKey, 'wx0000000000000000')
    expect(() => other.decrypt(cipher.encrypt('<xml/>'))).toThrow(DecryptError)
    expect(() => cipher.decrypt('bm90IGNpcGhlcnRleHQ=')).toThrow(DecryptError)
  })

  it('writes a reply whose text cannot break out of its CDATA section', () => {
    const xml = textReplyXml('oUser', 'gh_account', 1780000000, '请注意]]><MsgType>news</MsgType>')
    expect(parseWechatXml(xml)).toMatchObject({
      MsgType: 'text',
      Content: '请注意]]><MsgType>news</MsgType>',
    })
    expect(() => parseWechatXml('not xml at all <')).toThrow(XmlError)
    expect(() => parseWechatXml('<other>1</other>')).toThrow(XmlError)
  })
})

describe('official account configuration', () => {
  const account = {
    WECHAT_OA_TOKEN: 'nightdesk2026',
    WECHAT_OA_APPID: 'wx0123456789abcdef',
    WECHAT_OA_APPSECRET: '0123456789abcdef0123456789abcdef',
  }

  it('is off by default and on with a token, the app id and the secret', () => {
    expect(loadConfig({}).wechatOa).toMatchObject({
      apiBase: 'https://api.weixin.qq.com',
      replyDeadlineMs: 4500,
    })
    expect(loadConfig({ ...account, WECHAT_OA_REPLY_DEADLINE_MS: '3000' }).wechatOa).toMatchObject({
      token: 'nightdesk2026',
      appId: 'wx0123456789abcdef',
      replyDeadlineMs: 3000,
    })
  })

  it('names what is missing or malformed', () => {
    expect(() => loadConfig({ WECHAT_OA_TOKEN: 'nightdesk2026' })).toThrow(
      /WECHAT_OA_APPID is missing.*WECHAT_OA_APPSECRET is missing/,
    )
    expect(() => loadConfig({ ...account, WECHAT_OA_AES_KEY: 'too-short' })).toThrow(
      /wechatOa\/aesKey.*43 letters or digits/,
    )
    expect(() => loadConfig({ ...account, WECHAT_OA_TOKEN: 'a b' })).toThrow(/wechatOa\/token/)
    expect(() => loadConfig({ WECHAT_OA_APPID: 'wx0123456789abcdef' })).toThrow(/WECHAT_OA_TOKEN is not set/)
    expect(() => loadConfig({ ...account, WECHAT_OA_REPLY_DEADLINE_MS: '6000' })).toThrow(/replyDeadlineMs/)
  })
})
