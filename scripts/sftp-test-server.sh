#!/usr/bin/env bash
# Prepares this machine for the tests that need a real SFTP server (the iso20022-files
# connector): OpenSSH's sshd from Debian's packages, the privilege-separation directory, and a
# throw-away user the tests log in as. Each test starts its own sshd on a loopback port with a
# throw-away host key and an sftp-only configuration (see test/support/sftpServer.ts); nothing
# here starts a server or opens a port. Run as root: `bash scripts/sftp-test-server.sh`.
set -euo pipefail

user="${SFTP_TEST_USER:-g2p-sftp}"
# Only ever used against the loopback sshd the tests start; the tests read the same default.
password="${SFTP_TEST_PASSWORD:-throwaway-sftp-password}"

if [ ! -x /usr/sbin/sshd ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server
fi
# sshd refuses to start without its privilege-separation directory.
mkdir -p /run/sshd
chmod 0755 /run/sshd
# The tests' chroot folders: every part of a chroot path must be root's and not writable by
# others, which /tmp is not.
mkdir -p /run/g2p-sftp
chmod 0755 /run/g2p-sftp
if ! id "${user}" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "${user}"
fi
# A locked account cannot log in even with a key when PAM is off: give it a password.
echo "${user}:${password}" | chpasswd
echo "sftp test server ready: $(/usr/sbin/sshd -V 2>&1 | head -n 1), user ${user}"
