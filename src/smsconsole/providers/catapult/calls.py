"""Voice calls (§7): create, list, answer/reject/hang up, transfer, audio, DTMF, gather, recordings.

A mixin of :class:`~.client.CatapultClient`; see it for errors and retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from smsconsole.providers.catapult.models import Audio, Call, Gather, Recording, to_wire
from smsconsole.providers.catapult.paging import Page
from smsconsole.providers.catapult.quirks import drop_nulls
from smsconsole.providers.catapult.session import Session, query, quote_segment


class CallControl:
    """Call methods of :class:`~.client.CatapultClient`."""

    _session: Session
    _user: str

    async def create_call(
        self,
        from_: str,
        to: str,
        *,
        call_timeout: int | None = None,
        callback_url: str | None = None,
        callback_timeout: int | None = None,
        callback_http_method: str | None = None,
        fallback_url: str | None = None,
        bridge_id: str | None = None,
        conference_id: str | None = None,
        recording_enabled: bool | None = None,
        recording_max_duration: int | None = None,
        recording_file_format: str | None = None,
        transcription_enabled: bool | None = None,
        tag: str | None = None,
        sip_headers: Mapping[str, str] | None = None,
    ) -> str:
        """Place an outbound call and answer its id (``c-…``).

        ``to`` is E.164 or ``sip:user@host``; ``call_timeout`` is the ring time in seconds.
        """
        body = drop_nulls(
            {
                "from": from_,
                "to": to,
                "callTimeout": call_timeout,
                "callbackUrl": callback_url,
                "callbackTimeout": callback_timeout,
                "callbackHttpMethod": callback_http_method,
                "fallbackUrl": fallback_url,
                "bridgeId": bridge_id,
                "conferenceId": conference_id,
                "recordingEnabled": recording_enabled,
                "recordingMaxDuration": recording_max_duration,
                "recordingFileFormat": recording_file_format,
                "transcriptionEnabled": transcription_enabled,
                "tag": tag,
                # §7.1: header names are sent as given (X-…), not camel-cased.
                "sipHeaders": dict(sip_headers) if sip_headers is not None else None,
            }
        )
        return await self._session.create(f"{self._user}/calls", body)

    async def get_call(self, call_id: str) -> Call:
        """One call by id."""
        return await self._session.get_model(self._call_path(call_id), Call)

    async def list_calls(
        self,
        *,
        bridge_id: str | None = None,
        conference_id: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        sort_order: str | None = None,
        page: int = 0,
        size: int | None = None,
    ) -> Page[Call]:
        """One page of calls, newest first unless ``sort_order="asc"``."""
        params = query(
            {
                "bridgeId": bridge_id,
                "conferenceId": conference_id,
                "from": from_,
                "to": to,
                "sortOrder": sort_order,
                "page": page,
                "size": size,
            }
        )
        return await self._session.get_page(f"{self._user}/calls", params, Call)

    def iter_calls(
        self,
        *,
        bridge_id: str | None = None,
        conference_id: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        sort_order: str | None = None,
        size: int = 100,
    ) -> AsyncIterator[Call]:
        """Every call matching the filters, following ``Link`` pages."""
        params = query(
            {
                "bridgeId": bridge_id,
                "conferenceId": conference_id,
                "from": from_,
                "to": to,
                "sortOrder": sort_order,
                "size": size,
            }
        )
        return self._session.iterate(f"{self._user}/calls", params, Call)

    async def answer_call(self, call_id: str) -> None:
        """Answer an inbound call waiting in ``started`` (application ``autoAnswer`` off)."""
        await self._session.post(self._call_path(call_id), {"state": "active"})

    async def reject_call(self, call_id: str) -> None:
        """Reject an inbound call that has not been answered."""
        await self._session.post(self._call_path(call_id), {"state": "rejected"})

    async def hang_up_call(self, call_id: str) -> None:
        """End a live call."""
        await self._session.post(self._call_path(call_id), {"state": "completed"})

    async def transfer_call(
        self,
        call_id: str,
        transfer_to: str,
        *,
        transfer_caller_id: str | None = None,
        whisper_audio: Audio | None = None,
        callback_url: str | None = None,
    ) -> str:
        """Transfer an active call to a new number; answer the id of the **new** call leg.

        §7.3: the answer is 201 with the new outbound call's ``Location``. Like every
        create it is not resent if the connection breaks after sending.
        """
        body = drop_nulls(
            {
                "state": "transferring",
                "transferTo": transfer_to,
                "transferCallerId": transfer_caller_id,
                "whisperAudio": to_wire(whisper_audio) if whisper_audio is not None else None,
                "callbackUrl": callback_url,
            }
        )
        return await self._session.create(self._call_path(call_id), body)

    async def speak_sentence(
        self,
        call_id: str,
        sentence: str,
        *,
        gender: str | None = None,
        locale: str | None = None,
        voice: str | None = None,
        loop_enabled: bool | None = None,
        tag: str | None = None,
    ) -> None:
        """Speak text on a call (text to speech; ``""`` stops speaking)."""
        audio = Audio(
            sentence=sentence,
            gender=gender,
            locale=locale,
            voice=voice,
            loop_enabled=loop_enabled,
            tag=tag,
        )
        await self.play_audio(call_id, audio)

    async def play_audio_file(
        self,
        call_id: str,
        file_url: str,
        *,
        loop_enabled: bool | None = None,
        tag: str | None = None,
    ) -> None:
        """Play a WAV/MP3 file on a call (``""`` stops playback)."""
        await self.play_audio(call_id, Audio(file_url=file_url, loop_enabled=loop_enabled, tag=tag))

    async def play_audio(self, call_id: str, audio: Audio) -> None:
        """Send any audio object to ``POST /calls/{id}/audio`` (§7.4)."""
        await self._session.post(f"{self._call_path(call_id)}/audio", to_wire(audio))

    async def send_dtmf(self, call_id: str, digits: str) -> None:
        """Send DTMF tones (``[0-9A-D#*]``, ``,``/``w`` pause 0.5 s, ``W`` pause 1 s)."""
        await self._session.post(f"{self._call_path(call_id)}/dtmf", {"dtmfOut": digits})

    async def create_gather(
        self,
        call_id: str,
        *,
        max_digits: int | None = None,
        inter_digit_timeout: int | None = None,
        terminating_digits: str | None = None,
        tag: str | None = None,
        prompt: Audio | None = None,
    ) -> str:
        """Start collecting digits on a call and answer the gather's id (``gtr-…``)."""
        body = drop_nulls(
            {
                "maxDigits": max_digits,
                "interDigitTimeout": inter_digit_timeout,
                "terminatingDigits": terminating_digits,
                "tag": tag,
                "prompt": to_wire(prompt) if prompt is not None else None,
            }
        )
        return await self._session.create(f"{self._call_path(call_id)}/gather", body)

    async def get_gather(self, call_id: str, gather_id: str) -> Gather:
        """One gather of a call."""
        return await self._session.get_model(self._gather_path(call_id, gather_id), Gather)

    async def stop_gather(self, call_id: str, gather_id: str) -> None:
        """Stop a running gather (§7.6: the only update allowed)."""
        await self._session.post(self._gather_path(call_id, gather_id), {"state": "completed"})

    async def start_recording(self, call_id: str, *, file_format: str | None = None) -> None:
        """Start recording a call (``file_format`` ``wav`` or ``mp3``)."""
        body = drop_nulls({"recordingEnabled": True, "recordingFileFormat": file_format})
        await self._session.post(self._call_path(call_id), body)

    async def stop_recording(self, call_id: str) -> None:
        """Stop recording a call; the file then appears in its recordings."""
        await self._session.post(self._call_path(call_id), {"recordingEnabled": False})

    async def list_call_recordings(self, call_id: str) -> list[Recording]:
        """Every recording of one call."""
        path = f"{self._call_path(call_id)}/recordings"
        return [recording async for recording in self._session.iterate(path, None, Recording)]

    async def list_recordings(self, *, page: int = 0, size: int | None = None) -> Page[Recording]:
        """One page of the account's recordings."""
        params = query({"page": page, "size": size})
        return await self._session.get_page(f"{self._user}/recordings", params, Recording)

    def iter_recordings(self, *, size: int = 100) -> AsyncIterator[Recording]:
        """Every recording on the account, following ``Link`` pages."""
        return self._session.iterate(f"{self._user}/recordings", query({"size": size}), Recording)

    async def get_recording(self, recording_id: str) -> Recording:
        """One recording by id (``rec-…``)."""
        path = f"{self._user}/recordings/{quote_segment(recording_id)}"
        return await self._session.get_model(path, Recording)

    def _call_path(self, call_id: str) -> str:
        return f"{self._user}/calls/{quote_segment(call_id)}"

    def _gather_path(self, call_id: str, gather_id: str) -> str:
        return f"{self._call_path(call_id)}/gather/{quote_segment(gather_id)}"
