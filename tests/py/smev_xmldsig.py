"""Independent SMEV 3 XMLDSig checker: an oracle for the gateway's end-to-end tests.

It digests every ds:Reference and verifies every ds:Signature of SMEV 3 envelopes, and it
exposes its SMEV transform ("urn://smev-gov-ru/xmldsig/transform") so the tests can compare it
byte for byte with the gateway's. It was written from docs/smev-xmldsig.md (sections 1-3, 5,
7.1, 7.3) and the sources cited there (the operator's Java SmevTransformSpi and the Woodstox
writer it uses), not from the gateway's Rust code, so that the two can disagree.

Building blocks: lxml (exclusive c14n, parsing), gostcrypto (Streebog, GOST R 34.10-2012),
cryptography (RSA-SHA256, ECDSA-SHA256), and the openssl CLI with the gost engine for
GOST R 34.11-94 / 34.10-2001 (only with --openssl-conf; without it they are reported as null).

Run with target/pyenv/bin/python:
  smev_xmldsig.py [--openssl-conf PATH] [--cert PEMFILE] FILE...   JSON report on stdout
  smev_xmldsig.py --transform ID FILE       SMEV(exc-c14n(element with that Id)) on stdout
  smev_xmldsig.py --transform-text FILE     SMEV transform of an already canonical fragment
"""
import argparse
import base64
import copy
import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile

import gostcrypto.gosthash
import gostcrypto.gostsignature as gostsig
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SMEV_TRANSFORM = "urn://smev-gov-ru/xmldsig/transform"
ENVELOPED = DS + "enveloped-signature"
CPXML = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:"
GOST94 = "http://www.w3.org/2001/04/xmldsig-more#gostr3411"
GOST2001 = "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411"
STREEBOG = {CPXML + "gostr34112012-256": "streebog256", CPXML + "gostr34112012-512": "streebog512"}
GOST2012 = {CPXML + "gostr34102012-gostr34112012-256": 256, CPXML + "gostr34102012-gostr34112012-512": 512}
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"

# Certificate key algorithms and curves (RFC 4491, RFC 9215).
KEY_GOST2001, KEY_GOST2012_256, KEY_GOST2012_512 = "1.2.643.2.2.19", "1.2.643.7.1.1.1.1", "1.2.643.7.1.1.1.2"
TC26 = "id-tc26-gost-3410-2012-256-paramSet"
GOST_CURVES = {
    "1.2.643.2.2.35.1": TC26 + "B", "1.2.643.2.2.36.0": TC26 + "B",   # CryptoPro-A, XchA
    "1.2.643.2.2.35.2": TC26 + "C",                                   # CryptoPro-B
    "1.2.643.2.2.35.3": TC26 + "D", "1.2.643.2.2.36.1": TC26 + "D",   # CryptoPro-C, XchB
    "1.2.643.7.1.2.1.1.1": TC26 + "A", "1.2.643.7.1.2.1.1.2": TC26 + "B",
    "1.2.643.7.1.2.1.1.3": TC26 + "C", "1.2.643.7.1.2.1.1.4": TC26 + "D",
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
}


class Unsupported(Exception):
    """A check that cannot be made here: reported as null with this reason."""


# ---------------------------------------------------------------- XML input

def xml_parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=False)


def envelope_bytes(raw):
    """The XML itself; for a captured HTTP/MIME message, the SOAP envelope cut out of it."""
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return raw
    m = re.search(rb"<((?:[A-Za-z_][\w.-]*:)?Envelope)[\s>/]", raw)
    end = raw.rfind(b"</" + m.group(1) + b">") if m else -1
    return raw[m.start():end + len(m.group(1)) + 3] if end > 0 else raw


def load_document(path):
    with open(path, "rb") as f:
        return etree.fromstring(envelope_bytes(f.read()), xml_parser())


def split_name(tag):
    """'{uri}local' -> (uri, local); no namespace -> ('', local)."""
    return tuple(tag[1:].split("}", 1)) if tag.startswith("{") else ("", tag)


def elements_with_id(root, value):
    return [el for el in root.iter(etree.Element)
            if value in (el.get("Id"), el.get("ID"), el.get("id"))]


def exc_c14n(node, method_el=None):
    """Exclusive c14n without comments; honours ec:InclusiveNamespaces under method_el."""
    incl = method_el.find("{%s}InclusiveNamespaces" % EXC_C14N) if method_el is not None else None
    prefixes = (incl.get("PrefixList") or "").split() if incl is not None else None
    return etree.tostring(node, method="c14n", exclusive=True, with_comments=False,
                          inclusive_ns_prefixes=prefixes or None)


def ds(el, path):
    return el.find(path.replace("ds:", "{%s}" % DS))


def b64(text):
    """Base64 with XML whitespace (pretty-printed line breaks) ignored; ValueError if invalid."""
    return base64.b64decode(re.sub(r"[ \t\r\n]", "", text or ""), validate=True)


# ------------------------------------------ SMEV transform (doc section 3)

MIN_ARRAYCOPY, COPYBUFFER_LEN = 12, 512        # Woodstox BaseStreamWriter
TEXT_ENTITIES = {"&": "&amp;", "<": "&lt;", "\r": "&#xd;"}
ATTR_ENTITIES = {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xa;", "\r": "&#xd;"}


def utf16_len(ch):
    return 2 if ord(ch) > 0xFFFF else 1


def escape_attr(value):
    """Woodstox writeAttrValue: '>' and everything else stays raw."""
    return "".join(ATTR_ENTITIES.get(ch, ch) for ch in value)


def escape_text(text):
    """Rule 9: Woodstox writeCharacters(String) below 12 UTF-16 units, else 512-unit char[] chunks.

    '>' becomes &gt; at the start of the text (String) or of a chunk (char[]), after ']', and in
    the char[] form also right after any escaped char. U+007F..U+009F are written as references
    too (Woodstox QUOTABLE_TEXT_CHARS), which section 3 does not list.
    """
    chunked = sum(utf16_len(ch) for ch in text) >= MIN_ARRAYCOPY
    out, pos, prev, prev_escaped = [], 0, "", False
    for ch in text:
        if ch == ">":
            at_start = pos % COPYBUFFER_LEN == 0 if chunked else pos == 0
            rep = "&gt;" if at_start or prev == "]" or (chunked and prev_escaped) else ">"
        elif "\x7f" <= ch <= "\x9f":
            rep = "&#x%x;" % ord(ch)
        else:
            rep = TEXT_ENTITIES.get(ch, ch)
        out.append(rep)
        prev, prev_escaped, pos = ch, rep != ch, pos + utf16_len(ch)
    return "".join(out)


def attribute_order(attr):
    """Rule 7: qualified first by (URI, local name), then unqualified by local name, compared
    like Java's String.compareTo (UTF-16 code units)."""
    uri, local, _ = attr
    return (not uri, uri.encode("utf-16-be"), local.encode("utf-16-be"))


class SmevWriter:
    """The StAX walk of [JAVA] SmevTransformSpi over an lxml tree (rules 1-9)."""

    def __init__(self):
        self.out, self.scopes, self.counter, self.pending = [], [], 0, []

    def prefix(self, uri, mine):
        for scope in self.scopes:                 # outermost first, like java.util.Stack
            for known_uri, p in scope:
                if known_uri == uri:
                    return p
        self.counter += 1
        mine.append((uri, "ns%d" % self.counter))
        return mine[-1][1]

    def flush_text(self):
        text, self.pending = "".join(self.pending), []
        if any(ch > " " for ch in text):            # Java trim(): all chars <= U+0020 dropped
            self.out.append(escape_text(text))

    def element(self, el):
        self.flush_text()
        mine = []
        self.scopes.append(mine)
        uri, local = split_name(el.tag)
        name = "%s:%s" % (self.prefix(uri, mine), local)   # unqualified: xmlns:nsN="" as [JAVA]
        attrs = sorted((split_name(k) + (v,) for k, v in el.attrib.items()), key=attribute_order)
        rendered = ["%s:%s" % (self.prefix(u, mine), l) if u else l for u, l, _ in attrs]
        decls = "".join(' xmlns:%s="%s"' % (p, escape_attr(u)) for u, p in mine)
        values = "".join(' %s="%s"' % (n, escape_attr(v)) for n, (_, _, v) in zip(rendered, attrs))
        self.out.append("<%s%s%s>" % (name, decls, values))
        self.pending.append(el.text or "")
        for child in el:
            self.child(child)
        self.flush_text()
        self.out.append("</%s>" % name)           # never <a/>
        self.scopes.pop()

    def child(self, node):
        if isinstance(node.tag, str):
            self.element(node)
        elif not isinstance(node, etree._Comment):  # PIs split text; comments are transparent
            self.flush_text()
        self.pending.append(node.tail or "")


def smev_transform(octets):
    writer = SmevWriter()
    writer.element(etree.fromstring(octets, xml_parser()))
    return "".join(writer.out).encode("utf-8")


# ------------------------------------------------------------------ digests

def run_openssl(conf, args, data=None):
    env = dict(os.environ, OPENSSL_CONF=conf)
    return subprocess.run(["openssl"] + args, input=data, env=env, capture_output=True)


def gost94_digest(data, conf):
    if not conf:
        raise Unsupported("GOST R 34.11-94 needs --openssl-conf (gost engine)")
    res = run_openssl(conf, ["dgst", "-md_gost94", "-binary"], data)
    if res.returncode != 0 or len(res.stdout) != 32:
        raise Unsupported("openssl md_gost94 failed: " + res.stderr.decode(errors="replace").strip())
    return res.stdout


def digest(method, data, conf):
    if method in STREEBOG:
        return bytes(gostcrypto.gosthash.new(STREEBOG[method], data=data).digest())
    if method == SHA256:
        return hashlib.sha256(data).digest()
    if method == GOST94:
        return gost94_digest(data, conf)
    raise Unsupported("unsupported DigestMethod %s" % method)


# --------------------------------------------------------------- references

def resolve(root, uri):
    """URI="#X" -> the one element whose unqualified Id/ID/id is X."""
    if not uri or not uri.startswith("#"):
        raise ValueError("Reference URI %r is not #Id" % uri)
    found = elements_with_id(root, uri[1:])
    if len(found) != 1:
        raise ValueError("%d elements have Id %s" % (len(found), uri[1:]))
    return found[0]


def without_signature(target, signature):
    """enveloped-signature: a copy of the target without the ds:Signature, if it is inside."""
    nodes = list(target.iter())
    if signature not in nodes:
        return target
    clone = copy.deepcopy(target)
    victim = list(clone.iter())[nodes.index(signature)]
    parent, before = victim.getparent(), victim.getprevious()
    if victim.tail:                               # the text after the Signature stays
        if before is not None:
            before.tail = (before.tail or "") + victim.tail
        else:
            parent.text = (parent.text or "") + victim.tail
    parent.remove(victim)
    return clone


def apply_transforms(target, signature, transforms):
    """Run the Transform chain in order; data is an element (node set) or octets."""
    data = target
    for t in transforms:
        alg = t.get("Algorithm")
        if alg == ENVELOPED and not isinstance(data, bytes):
            data = without_signature(data, signature)
        elif alg == EXC_C14N:
            data = exc_c14n(etree.fromstring(data, xml_parser()) if isinstance(data, bytes) else data, t)
        elif alg == SMEV_TRANSFORM:
            data = smev_transform(data if isinstance(data, bytes) else exc_c14n(data))
        else:
            raise Unsupported("unsupported Transform %s%s" % (alg, " after octets" if alg == ENVELOPED else ""))
    if not isinstance(data, bytes):               # XMLDSig's default: inclusive c14n
        data = etree.tostring(data, method="c14n", exclusive=False, with_comments=False)
    return data


def check_reference(ref, root, signature, conf):
    method_el, value_el = ds(ref, "ds:DigestMethod"), ds(ref, "ds:DigestValue")
    result = {"uri": ref.get("URI"), "target": None,
              "digest_method": method_el.get("Algorithm") if method_el is not None else None,
              "declared": re.sub(r"\s", "", value_el.text or "") if value_el is not None else "",
              "computed": None, "digest_ok": False, "error": None}
    try:
        target = resolve(root, result["uri"])
        result["target"] = split_name(target.tag)[1]
        transforms = ref.findall("{%s}Transforms/{%s}Transform" % (DS, DS))
        computed = digest(result["digest_method"], apply_transforms(target, signature, transforms), conf)
        result["computed"] = base64.b64encode(computed).decode()
        try:
            declared = b64(result["declared"])
        except ValueError:
            raise ValueError("DigestValue is not base64")
        result["digest_ok"] = computed == declared
        result["error"] = None if result["digest_ok"] else "DigestValue does not match"
    except Unsupported as e:
        result["digest_ok"], result["error"] = None, str(e)
    except (ValueError, etree.LxmlError) as e:
        result["error"] = str(e)
    return result


# ---------------------------------------------------- certificates (tiny DER)

def der_read(buf, pos=0):
    """One TLV at pos: (tag, content, next position)."""
    tag, length, pos = buf[pos], buf[pos + 1], pos + 2
    if length & 0x80:
        n = length & 0x7F
        length, pos = int.from_bytes(buf[pos:pos + n], "big"), pos + n
    if pos + length > len(buf):
        raise ValueError("truncated DER")
    return tag, buf[pos:pos + length], pos + length


def der_children(content):
    pos = 0
    while pos < len(content):
        tag, value, pos = der_read(content, pos)
        yield tag, value


def der_oid(content):
    arcs, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(map(str, [first, arcs[0] - 40 * first] + arcs[1:]))


def public_key_info(cert_der):
    """SubjectPublicKeyInfo: (key algorithm OID, curve OID or None, BIT STRING payload)."""
    tbs = next(der_children(der_read(cert_der)[1]))[1]
    fields = list(der_children(tbs))
    fields = fields[1:] if fields[0][0] == 0xA0 else fields    # explicit [0] version
    (_, alg), (_, bits) = der_children(fields[5][1])
    alg = list(der_children(alg))
    curve = der_oid(next(der_children(alg[1][1]))[1]) if len(alg) > 1 and alg[1][0] == 0x30 else None
    return der_oid(alg[0][1]), curve, bits[1:]                # drop the unused-bits octet


def certificate(signature, given_der):
    """('embedded'|'given'|None, DER or None): KeyInfo's X509Certificate first, else --cert."""
    el = ds(signature, "ds:KeyInfo/ds:X509Data/ds:X509Certificate")
    if el is not None and (el.text or "").strip():
        try:
            return "embedded", b64(el.text)
        except ValueError:
            return "embedded", None
    return ("given", given_der) if given_der else (None, None)


# --------------------------------------------------------------- signatures

def verify_gost2012(bits, cert_der, data, sig):
    key_alg, curve, key = public_key_info(cert_der)
    if key_alg != {256: KEY_GOST2012_256, 512: KEY_GOST2012_512}[bits]:
        return False, "key algorithm %s does not match GOST 2012-%d" % (key_alg, bits)
    if curve not in GOST_CURVES:
        raise Unsupported("unknown GOST curve %s" % curve)
    size = bits // 8
    point = der_read(key)[1]                                  # OCTET STRING: X||Y little-endian
    if len(sig) != 2 * size or len(point) != 2 * size:
        return False, "signature or key has the wrong length"
    public = point[:size][::-1] + point[size:][::-1]          # gostcrypto: X||Y big-endian
    hashed = gostcrypto.gosthash.new("streebog%d" % bits, data=data).digest()
    signer = gostsig.new(gostsig.MODE_256 if bits == 256 else gostsig.MODE_512,
                         gostsig.CURVES_R_1323565_1_024_2019[GOST_CURVES[curve]])
    # SignatureValue is s||r big-endian, exactly what OpenSSL's gost engine outputs; gostcrypto
    # takes r||s and reads the digest as a little-endian number: hence the swaps.
    ok = signer.verify(bytearray(public), bytearray(hashed[::-1]), bytearray(sig[size:] + sig[:size]))
    return ok, None if ok else "GOST R 34.10-2012 signature does not verify"


def verify_gost2001(cert_der, data, sig, conf):
    if not conf:
        raise Unsupported("GOST R 34.10-2001 needs --openssl-conf (gost engine)")
    if public_key_info(cert_der)[0] != KEY_GOST2001:
        return False, "certificate key is not GOST R 34.10-2001"
    res = run_openssl(conf, ["x509", "-inform", "DER", "-pubkey", "-noout"], cert_der)
    with tempfile.TemporaryDirectory() as tmp:
        pub, sig_file = os.path.join(tmp, "pub.pem"), os.path.join(tmp, "sig.bin")
        for name, content in ((pub, res.stdout), (sig_file, sig)):
            with open(name, "wb") as f:
                f.write(content)
        if res.returncode == 0:
            res = run_openssl(conf, ["dgst", "-md_gost94", "-verify", pub, "-signature", sig_file], data)
    if b"Verified OK" in res.stdout:
        return True, None
    if b"Verification failure" in res.stdout:
        return False, "GOST R 34.10-2001 signature does not verify"
    raise Unsupported("openssl failed: " + res.stderr.decode(errors="replace").strip())


def verify_rsa_ecdsa(method, cert_der, data, sig):
    key = x509.load_der_x509_certificate(cert_der).public_key()
    try:
        if method == RSA_SHA256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        elif method == ECDSA_SHA256 and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(sig) // 2                                  # r||s, fixed width
            r, s = int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big")
            key.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        else:
            return False, "certificate key type does not match " + method
    except InvalidSignature:
        return False, "signature does not verify"
    return True, None


def verify_value(method, cert_der, data, sig, conf):
    try:
        if method in GOST2012:
            return verify_gost2012(GOST2012[method], cert_der, data, sig)
        if method == GOST2001:
            return verify_gost2001(cert_der, data, sig, conf)
        if method in (RSA_SHA256, ECDSA_SHA256):
            return verify_rsa_ecdsa(method, cert_der, data, sig)
    except (IndexError, ValueError, StopIteration) as e:
        raise Unsupported("certificate not usable: %s: %s" % (type(e).__name__, e))
    raise Unsupported("unsupported SignatureMethod %s" % method)


def check_signature_value(signature, signed_info, method, cert_der, conf):
    """(ok, error) for the SignatureValue over exc-c14n(SignedInfo) as received."""
    c14n = ds(signed_info, "ds:CanonicalizationMethod")
    if c14n is None or c14n.get("Algorithm") != EXC_C14N:
        raise Unsupported("CanonicalizationMethod is not exc-c14n")
    value = ds(signature, "ds:SignatureValue")
    try:
        sig = b64(value.text if value is not None else "")
    except ValueError:
        return False, "SignatureValue is not base64"
    return verify_value(method, cert_der, exc_c14n(signed_info, c14n), sig, conf)


def check_signature(signature, root, args):
    parent, signed_info = signature.getparent(), ds(signature, "ds:SignedInfo")
    method_el = ds(signature, "ds:SignedInfo/ds:SignatureMethod")
    source, cert_der = certificate(signature, args.given_cert)
    result = {"container": split_name(parent.tag)[1] if parent is not None else None,
              "method": method_el.get("Algorithm") if method_el is not None else None,
              "certificate": source, "signature_ok": None, "signature_error": None, "references": []}
    if signed_info is None:
        result.update(signature_ok=False, signature_error="no SignedInfo")
        return result
    result["references"] = [check_reference(ref, root, signature, args.openssl_conf)
                            for ref in signed_info.findall("{%s}Reference" % DS)]
    try:
        if cert_der is None:
            raise Unsupported("no certificate" if source is None else "embedded certificate is not base64")
        ok, error = check_signature_value(signature, signed_info, result["method"], cert_der, args.openssl_conf)
        result.update(signature_ok=ok, signature_error=error)
    except (Unsupported, etree.LxmlError) as e:
        result["signature_error"] = str(e)
    return result


def check_file(path, args):
    try:
        root = load_document(path)
    except (OSError, etree.LxmlError) as e:
        return {"file": path, "error": "%s: %s" % (type(e).__name__, e), "signatures": []}
    return {"file": path, "error": None,
            "signatures": [check_signature(s, root, args) for s in root.iter("{%s}Signature" % DS)]}


# ---------------------------------------------------------------------- CLI

def main(argv=None):
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--openssl-conf", metavar="PATH", help="OpenSSL config that loads the gost engine")
    cli.add_argument("--cert", metavar="PEMFILE", help="certificate for signatures without an embedded one")
    mode = cli.add_mutually_exclusive_group()
    mode.add_argument("--transform", metavar="ID", help="print SMEV(exc-c14n(element with this Id))")
    mode.add_argument("--transform-text", action="store_true", help="print SMEV(FILE), FILE canonical")
    cli.add_argument("files", nargs="+", metavar="FILE")
    args = cli.parse_args(argv)
    if (args.transform is not None or args.transform_text) and len(args.files) != 1:
        cli.error("--transform and --transform-text take exactly one FILE")
    try:
        if args.transform_text:
            with open(args.files[0], "rb") as f:
                sys.stdout.buffer.write(smev_transform(f.read()))
            return 0
        if args.transform is not None:
            target = resolve(load_document(args.files[0]), "#" + args.transform)
            sys.stdout.buffer.write(smev_transform(exc_c14n(target)))
            return 0
    except (OSError, ValueError, etree.LxmlError) as e:
        sys.exit("%s: %s" % (type(e).__name__, e))
    args.given_cert = None
    if args.cert:
        try:
            with open(args.cert) as f:
                args.given_cert = ssl.PEM_cert_to_DER_cert(f.read())
        except (OSError, ValueError) as e:
            cli.error("--cert: %s" % e)
    report = [check_file(path, args) for path in args.files]
    sys.stdout.buffer.write(json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
