"""Fax over audio in-process: two T.30 endpoints of Debian's libspandsp.so.2, driven through ctypes, back
to back (each one's transmitted samples are the other's received ones), as a real fax call would carry
them. Used by the tests to prove that a rendered TIFF survives real T.30 transmission."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

SAMPLES = 160  # 20 ms at 8 kHz
PHASE_E = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)


def library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("spandsp") or "libspandsp.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.fax_init.restype = ctypes.c_void_p
    lib.fax_init.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.fax_get_t30_state.restype = ctypes.c_void_p
    lib.fax_get_t30_state.argtypes = [ctypes.c_void_p]
    lib.fax_tx.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
    lib.fax_rx.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int]
    lib.fax_set_transmit_on_idle.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.t30_set_tx_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    lib.t30_set_rx_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.t30_set_tx_ident.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.t30_set_phase_e_handler.argtypes = [ctypes.c_void_p, PHASE_E, ctypes.c_void_p]
    lib.fax_free.argtypes = [ctypes.c_void_p]
    return lib


def transmit(lib: ctypes.CDLL, sent: Path, received: Path, answer: bool = True,
             max_seconds: int = 300) -> tuple[int, int, float]:
    """Send ``sent`` from a calling endpoint to an answering one that writes ``received``.

    Returns (the caller's T.30 completion code, the answerer's, seconds of line audio). Code 0 is success;
    without ``answer`` the far end stays silent (code 2: no initial communication)."""
    codes: dict[str, int] = {}
    handlers = []

    def handler(side: str) -> ctypes._CFuncPtr:
        def done(state: int | None, user: int | None, code: int) -> None:
            codes[side] = code

        callback = PHASE_E(done)
        handlers.append(callback)  # kept alive while the library may call it
        return callback

    caller, callee = lib.fax_init(None, 1), lib.fax_init(None, 0)
    try:
        for fax in (caller, callee):
            lib.fax_set_transmit_on_idle(fax, 1)
        t30_caller, t30_callee = lib.fax_get_t30_state(caller), lib.fax_get_t30_state(callee)
        lib.t30_set_tx_ident(t30_caller, b"faxcampaign")
        lib.t30_set_tx_file(t30_caller, str(sent).encode(), -1, -1)
        lib.t30_set_rx_file(t30_callee, str(received).encode(), -1)
        lib.t30_set_phase_e_handler(t30_caller, handler("caller"), None)
        lib.t30_set_phase_e_handler(t30_callee, handler("callee"), None)
        to_callee = (ctypes.c_int16 * SAMPLES)()
        to_caller = (ctypes.c_int16 * SAMPLES)()
        silence = (ctypes.c_int16 * SAMPLES)()
        blocks = 0
        while "caller" not in codes and blocks < max_seconds * 50:
            lib.fax_tx(caller, to_callee, SAMPLES)
            lib.fax_tx(callee, to_caller, SAMPLES)
            lib.fax_rx(callee, to_callee, SAMPLES)
            lib.fax_rx(caller, to_caller if answer else silence, SAMPLES)
            blocks += 1
        for _ in range(100):  # let the answering side finish its phase E
            if "callee" in codes or not answer:
                break
            lib.fax_tx(caller, to_callee, SAMPLES)
            lib.fax_tx(callee, to_caller, SAMPLES)
            lib.fax_rx(callee, to_callee, SAMPLES)
            lib.fax_rx(caller, to_caller, SAMPLES)
    finally:
        lib.fax_free(caller)
        lib.fax_free(callee)
    return codes.get("caller", -1), codes.get("callee", -1), blocks / 50
