#!/usr/bin/python3
"""Private RTSP server for tests and the demo: serves a video file, looped, at
rtsp://127.0.0.1:PORT/MOUNT over TCP and UDP (GStreamer gst-rtsp-server).

The file is demuxed and re-encoded to H.264 (x264 zerolatency) so any container/codec
plays and every client gets a keyframe soon after connecting. Looping: an EOS on the
pipeline bus of each media is turned into a flushing seek back to 0.

usage: rtsp-server.py --file FILE [--port 8554] [--mount /cam]
Prints "READY rtsp://127.0.0.1:PORT/MOUNT" on stdout once listening.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--port", type=int, default=8554)
    ap.add_argument("--mount", default="/cam")
    ap.add_argument("--bitrate", type=int, default=1500, help="kbit/s")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    uri = Gst.filename_to_uri(args.file)
    factory.set_launch(
        f'( uridecodebin uri="{uri}" ! videoconvert ! video/x-raw,format=I420 ! '
        f"x264enc tune=zerolatency speed-preset=ultrafast bitrate={args.bitrate} key-int-max=15 ! "
        "h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    factory.set_shared(True)

    def on_media_configure(_factory, media):
        pipeline = media.get_element()
        bus = pipeline.get_bus()
        bus.add_signal_watch()

        def on_message(_bus, msg):
            if msg.type == Gst.MessageType.EOS:
                pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)

        bus.connect("message", on_message)

    factory.connect("media-configure", on_media_configure)
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on port {args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY rtsp://127.0.0.1:{args.port}{args.mount}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
