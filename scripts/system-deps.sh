#!/usr/bin/env bash
# Install the Debian packages crowdpulse's figures and report test use, when missing:
# a colour emoji font (emoji glyphs in figures) and Chromium (the report's browser test).
# Never fails the build: without them, figures fall back and the browser test skips.
set -u
need=()
fc-list 2>/dev/null | grep -qi "NotoColorEmoji" || [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "crowdpulse: optional system packages missing (${need[*]}); install them with apt-get" >&2
  exit 0
fi
echo "crowdpulse: installing ${need[*]} (Debian packages)" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}") >/tmp/crowdpulse-apt.log 2>&1 \
  || echo "crowdpulse: apt-get install of ${need[*]} failed; see /tmp/crowdpulse-apt.log" >&2
exit 0
