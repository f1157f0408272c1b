#!/usr/bin/env python3
# make_sniff_fixtures.py DIR: one small real file of each kind mime.sniffed must
# recognise (PE, ELF, ZIP, docx, PDF, PNG, TNEF), built here rather than kept in the
# tree: each is the smallest file libmagic names correctly. The ELF is the start of
# this machine's /bin/true.
import io, struct, sys, zipfile, zlib, os
out = sys.argv[1]
def write(name, data):
    open(os.path.join(out, name), 'wb').write(data)
dos = bytearray(b'MZ' + b'\x90\x00' + b'\x00' * 60)
struct.pack_into('<I', dos, 0x3c, 0x80)
stub = bytes(dos) + b'\x00' * (0x80 - len(dos))
coff = struct.pack('<HHIIIHH', 0x14c, 1, 0, 0, 0, 0xe0, 0x102)
opt = struct.pack('<H', 0x10b) + b'\x00' * (0xe0 - 2)
write('program.exe', stub + b'PE\x00\x00' + coff + opt + b'\x00' * 512)
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:  # the order libmagic's Office check wants
    z.writestr('[Content_Types].xml', '<?xml version="1.0"?><Types/>')
    z.writestr('_rels/.rels', '<Relationships/>')
    z.writestr('word/document.xml', '<w:document/>')
write('letter.docx', b.getvalue())
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    z.writestr('a.txt', 'hello')
write('archive.zip', b.getvalue())
write('winmail.dat', struct.pack('<I', 0x223e9f78) + b'\x01\x00' + b'\x01\x06\x90\x08\x00\x04\x00\x00\x00\x00\x00\x01\x00\x01\x00' + b'\x00' * 64)
write('paper.pdf', b'%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
write('image.png', b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)) +
      chunk(b'IDAT', zlib.compress(b'\x00\x00\x00\x00')) + chunk(b'IEND', b''))
write('program.elf', open('/bin/true', 'rb').read()[:65536])
