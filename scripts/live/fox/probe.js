// Raw-frame probe of fox-wamp (run by scripts/live/foxwamp.py): starts FoxRouter on
// 127.0.0.1:0, joins a subscriber and a publisher over WebSocket/wamp.2.json, publishes a
// cryptobox-form, a PPT-form and a plain message, and prints every frame (one JSON line
// each: {"dir": "pub->"|"sub<-"|..., "frame": text}). Exits after 3 events or 5 s.
const FoxRouter = require('fox-wamp')
const WebSocket = require('ws')
const router = new FoxRouter()
const server = router.listenWAMP({ host: '127.0.0.1', port: 0 })
const say = (dir, frame) => console.log(JSON.stringify({ dir, frame: frame.toString() }))
server.on('listening', () => {
  const url = 'ws://127.0.0.1:' + server.address().port
  const sub = new WebSocket(url, ['wamp.2.json'])
  const pub = new WebSocket(url, ['wamp.2.json'])
  let events = 0
  sub.on('open', () => sub.send('[1,"realm1",{"roles":{"subscriber":{}}}]'))
  pub.on('open', () => pub.send('[1,"realm1",{"roles":{"publisher":{}}}]'))
  pub.on('message', (d) => say('pub<-', d))
  sub.on('message', (d) => {
    const t = d.toString()
    say('sub<-', t)
    if (t.startsWith('[2,')) sub.send('[32,1,{},"com.example.fox.probe"]')
    if (t.startsWith('[33,')) {
      for (const m of [
        '[16,2,{"enc_algo":"cryptobox","enc_serializer":"json"},"com.example.fox.probe","\\u0000AAECAwQFBgc="]',
        '[16,3,{"ppt_scheme":"wamp","ppt_serializer":"cbor","ppt_cipher":"xsalsa20poly1305","ppt_keyid":"0xaa"},' +
          '"com.example.fox.probe",["\\u0000AAECAwQFBgc="]]',
        '[16,4,{},"com.example.fox.probe",["plain"]]']) {
        say('pub->', m)
        pub.send(m)
      }
    }
    if (t.startsWith('[36,') && ++events === 3) process.exit(0)
  })
  setTimeout(() => process.exit(1), 5000)
})
