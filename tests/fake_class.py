"""An in-memory class with the class store's interface (reader.classroom.store.ClassStore), for widget tests that
need no database: what it refuses, it refuses as the store does (LookupError / PermissionError)."""

import secrets
from dataclasses import dataclass
from pathlib import Path

from reader.student_notes import JUDGEMENTS, StudentNotes


@dataclass
class JoinedStudent:
    student_id: int
    token: str


class FakeClassStore:
    def __init__(self, code: str = "ABCDEFGH", secret: str = "teacher-secret"):
        self.code, self.secret = code, secret
        self.students: dict[str, dict] = {}  # token -> {"name", "paragraph", "judgements": {claim: (verdict, reason)}}
        self.revealed: set[str] = set()
        self.all_revealed = False
        self.calls: list[str] = []
        self.down = False  # True: every call fails as an unreachable service does

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused")

    def _teacher(self, secret: str) -> None:
        if secret != self.secret:
            raise PermissionError("not the teacher of this class")

    def _student(self, token: str) -> dict:
        if token not in self.students:
            raise LookupError("unknown student")
        return self.students[token]

    # students ---------------------------------------------------------------------------------------------
    def join(self, code: str, name: str) -> JoinedStudent:
        self._call("join")
        if code != self.code:
            raise LookupError("no class has this code")
        token = secrets.token_urlsafe(24)
        self.students[token] = {"name": name, "paragraph": None, "furthest": None, "judgements": {}}
        return JoinedStudent(len(self.students), token)

    def student(self, token: str) -> dict:
        self._call("student")
        return {"name": self._student(token)["name"]}

    def save_judgement(self, token: str, claim_id: str, verdict: str, reason: str, client_seq: int = 0) -> None:
        self._call("save_judgement")
        self._student(token)["judgements"][claim_id] = (verdict, reason)

    def save_progress(self, token: str, paragraph: int) -> None:
        self._call("save_progress")
        student = self._student(token)
        student["paragraph"], student["furthest"] = paragraph, max(paragraph, student["furthest"] or 0)

    def distribution(self, token: str, claim_id: str) -> dict:
        self._call("distribution")
        if claim_id not in self._student(token)["judgements"]:
            raise PermissionError("judge this claim first")
        if not (self.all_revealed or claim_id in self.revealed):
            raise PermissionError("your teacher has not revealed this claim yet")
        return self._counts(claim_id)

    def _counts(self, claim_id: str) -> dict:
        counts = dict.fromkeys(JUDGEMENTS, 0)
        for student in self.students.values():
            if claim_id in student["judgements"]:
                verdict = student["judgements"][claim_id][0]
                counts[verdict] = counts.get(verdict, 0) + 1
        return {"counts": counts, "judged": sum(counts.values())}

    # the teacher ------------------------------------------------------------------------------------------
    def summary(self, secret: str, claim_ids=()) -> dict:
        self._call("summary")
        self._teacher(secret)
        judged = {claim for student in self.students.values() for claim in student["judgements"]}
        return {
            "record": {"class_id": 1, "code": self.code, "edition": "e", "title": "The class title", "created": ""},
            "students": len(self.students),
            "claims": {
                claim_id: {
                    "claim_id": claim_id,
                    **self._counts(claim_id),
                    "revealed": self.all_revealed or claim_id in self.revealed,
                }
                for claim_id in sorted(judged | set(claim_ids))
            },
        }

    def reasons(self, secret: str, claim_id: str, show_names: bool = False) -> list[dict]:
        self._call("reasons")
        self._teacher(secret)
        return [
            {
                "verdict": student["judgements"][claim_id][0],
                "reason": student["judgements"][claim_id][1],
                "name": student["name"] if show_names else None,
            }
            for student in self.students.values()
            if claim_id in student["judgements"]
        ]

    def progress(self, secret: str) -> list[dict]:
        self._call("progress")
        self._teacher(secret)
        return [
            {"name": student["name"], "paragraph": student["paragraph"], "furthest": student["furthest"]}
            for student in self.students.values()
        ]

    def reveal(self, secret: str, claim_id: str | None) -> None:
        self._call("reveal")
        self._teacher(secret)
        if claim_id is None:
            self.all_revealed = True
        else:
            self.revealed.add(claim_id)

    def hide(self, secret: str, claim_id: str | None) -> None:
        self._call("hide")
        self._teacher(secret)
        if claim_id is None:
            self.all_revealed = False
            self.revealed.clear()
        else:
            self.revealed.discard(claim_id)

    def export_csv(self, secret: str) -> str:
        self._call("export_csv")
        self._teacher(secret)
        rows = ["student,claim_id,verdict,reason"]
        for student in self.students.values():
            for claim_id, (verdict, reason) in student["judgements"].items():
                rows.append(f"{student['name']},{claim_id},{verdict},{reason}")
        return "\n".join(rows) + "\n"

    def clear_class(self, secret: str) -> None:
        self._call("clear_class")
        self._teacher(secret)
        self.students.clear()
        self.revealed.clear()


class FakeClassNotes(StudentNotes):
    """A student's notes as the class client keeps them: a local copy, and each judgement sent to the store."""

    def __init__(self, store: FakeClassStore, token: str, edition_name: str, folder: Path):
        super().__init__(edition_name, folder / f"{token[:8]}.json")
        self.store, self.token = store, token
        self.status_callbacks: list = []

    def set_judgement(self, claim_id: str, judgement: str, reason: str) -> None:
        super().set_judgement(claim_id, judgement, reason)
        self.store.save_judgement(self.token, claim_id, judgement, reason)

    @property
    def status(self):
        from types import SimpleNamespace

        return SimpleNamespace(message="Saved to the class.", pending=0, rejected=0, unreachable_since=None)

    def on_status(self, callback) -> None:
        self.status_callbacks.append(callback)
