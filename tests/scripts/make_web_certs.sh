#!/usr/bin/env bash
# Writes into DIR a test CA, a server certificate for 127.0.0.1/localhost, a
# second server certificate (for reload tests), a client certificate signed
# by the CA and one signed by an unrelated CA. EC keys: fast to make. The
# extensions are what strict X.509 verification asks for (Python 3.13's
# default, OpenSSL's X509_STRICT): a CA's key usage, key identifiers.
set -euo pipefail
dir=${1:?usage: make_web_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
ca() {  # name CN
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -days 3650 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -addext subjectKeyIdentifier=hash -out "$1.crt" 2>/dev/null
}
leaf() {  # name CN ca extfile
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -days 3650 \
    -extfile "$4" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr"
}
ids='subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\nbasicConstraints=CA:FALSE\n'
printf "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n$ids" >server.ext
printf "extendedKeyUsage=clientAuth\n$ids" >client.ext
ca ca "rse web test CA"
ca other-ca "rse other CA"
leaf server "127.0.0.1" ca server.ext
leaf server2 "127.0.0.1 second" ca server.ext
leaf client "prometheus" ca client.ext
leaf stranger "stranger" other-ca client.ext
