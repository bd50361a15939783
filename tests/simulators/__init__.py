"""Third-party peers the camera tests drive: GStreamer's RTSP server, SIPp, FFmpeg."""
