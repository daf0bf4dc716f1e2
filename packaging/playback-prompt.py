#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the default prompt of playback@<domain> (issue 19): 16 kHz mono
16-bit WAV, a rising three-note chime (523, 659, 784 Hz, 0.4 s each) then
2 s of a 1 kHz tone and a falling chime, 4.4 s in all, soft edges so no
note clicks. Python's own wave module: nothing to install.

usage: playback-prompt.py OUT.wav   (kept when it already exists)"""

import math
import os
import struct
import sys
import wave

RATE = 16000
NOTES = [(523, 0.4), (659, 0.4), (784, 0.4), (1000, 2.0), (784, 0.4), (659, 0.4), (523, 0.4)]


def samples():
    for freq, secs in NOTES:
        n = int(RATE * secs)
        fade = int(RATE * 0.02)
        for i in range(n):
            env = min(1.0, i / fade, (n - 1 - i) / fade)
            yield int(12000 * env * math.sin(2 * math.pi * freq * i / RATE))


def main(path):
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples()))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


if __name__ == "__main__":
    main(sys.argv[1])
