"""The demo study (placeholder until the participant flow lands)."""


def install_demo(session, base_url):
    return []
