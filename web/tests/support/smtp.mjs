// An SMTP sink on 127.0.0.1 for the browser tests: the minimal dialogue (EHLO/HELO, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT), every message accepted and kept in memory, no TLS, no
// authentication (serve runs with --smtp-no-tls). The same behaviour as the Rust sink of
// crates/geocommun-testkit/src/smtp.rs, for a Node test.

import net from 'node:net';

/** Decodes a quoted-printable body. */
function decodeQuotedPrintable(s) {
  const bytes = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(text[i], 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export class Mail {
  constructor(from, to, data) {
    this.from = from;
    this.to = to;
    this.data = data;
  }

  header(name) {
    const head = this.data.split('\r\n\r\n')[0] ?? '';
    const lines = head.split('\r\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^([^:]+):\s*(.*)$/.exec(lines[i]);
      if (m && m[1].toLowerCase() === name.toLowerCase()) {
        let v = m[2];
        while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1])) v += ` ${lines[++i].trim()}`;
        return v;
      }
    }
    return null;
  }

  body() {
    const i = this.data.indexOf('\r\n\r\n');
    const body = i < 0 ? '' : this.data.slice(i + 4);
    const cte = this.header('Content-Transfer-Encoding') ?? '';
    if (cte.toLowerCase() === 'quoted-printable') return decodeQuotedPrintable(body);
    if (cte.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    return body;
  }
}

export async function startSmtpSink() {
  const mails = [];
  const waiters = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let data = [];
    let from = '';
    let to = [];
    const reply = (s) => socket.write(`${s}\r\n`);
    reply('220 localhost geocommun web tests SMTP sink');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(new Mail(from, to, data.join('\r\n')));
            from = '';
            to = [];
            data = [];
            reply('250 OK queued');
            for (const w of waiters.splice(0)) w();
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const upper = line.toUpperCase();
        const addr = (s) => (/<([^>]*)>/.exec(s)?.[1] ?? s).trim();
        if (upper.startsWith('EHLO')) socket.write('250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (upper.startsWith('HELO')) reply('250 localhost');
        else if (upper.startsWith('MAIL FROM:')) {
          from = addr(line.slice(10));
          to = [];
          reply('250 OK');
        } else if (upper.startsWith('RCPT TO:')) {
          to.push(addr(line.slice(8)));
          reply('250 OK');
        } else if (upper === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (upper === 'RSET') {
          from = '';
          to = [];
          reply('250 OK');
        } else if (upper === 'NOOP') reply('250 OK');
        else if (upper === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 command not implemented');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    mails,
    /** Waits (at most `ms`) until `n` messages have arrived. */
    async waitFor(n, ms = 15000) {
      const deadline = Date.now() + ms;
      while (mails.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`SMTP sink: ${mails.length} message(s) arrived, ${n} expected`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return mails.slice();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
