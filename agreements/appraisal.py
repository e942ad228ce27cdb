"""The appraisal: feedback rounds, the answers, and the sergeant's termly review.

Terms follow the school year: autumn 1 September to 31 December, spring 1 January to
31 March, summer 1 April to 31 August. The figures a review is computed from read every
app, so they are worked out in reports/ and handed to review_record() as a snapshot.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Membership
from ssp.notifications import notify
from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from .access import can_answer_round, can_open_round, can_write_review
from .models import ActionPlanItem, Feedback, FeedbackRound, Partnership, Review

QUESTIONS = ("pupils_feel_safe", "sspo_availability", "sspo_response")
ALREADY_ANSWERED = "You have already answered this round"


@dataclass(frozen=True)
class Term:
    academic_year: int  # the year the academic year starts: 2026 for 2026 to 2027
    term: str  # a Review.Term value

    @property
    def key(self) -> str:
        return f"{self.academic_year}-{self.term}"

    @property
    def start(self) -> datetime.date:
        month = {"autumn": 9, "spring": 1, "summer": 4}[self.term]
        year = self.academic_year if self.term == Review.Term.AUTUMN else self.academic_year + 1
        return datetime.date(year, month, 1)

    @property
    def end(self) -> datetime.date:
        year = self.academic_year if self.term == Review.Term.AUTUMN else self.academic_year + 1
        month, day = {"autumn": (12, 31), "spring": (3, 31), "summer": (8, 31)}[self.term]
        return datetime.date(year, month, day)

    @property
    def label(self) -> str:
        return f"{Review.Term(self.term).label} term {self.start.year}"

    @property
    def dates_label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    def previous(self) -> "Term":
        if self.term == Review.Term.AUTUMN:
            return Term(self.academic_year - 1, Review.Term.SUMMER)
        if self.term == Review.Term.SPRING:
            return Term(self.academic_year, Review.Term.AUTUMN)
        return Term(self.academic_year, Review.Term.SPRING)

    @classmethod
    def of(cls, day: datetime.date) -> "Term":
        if day.month >= 9:
            return cls(day.year, Review.Term.AUTUMN)
        if day.month <= 3:
            return cls(day.year - 1, Review.Term.SPRING)
        return cls(day.year - 1, Review.Term.SUMMER)

    @classmethod
    def from_key(cls, key: str) -> "Term":
        year, _, term = key.partition("-")
        if not year.isdigit() or term not in Review.Term.values:
            raise ValueError(key)
        return cls(int(year), term)


def recent_terms(count: int = 6, today: datetime.date | None = None) -> list[Term]:
    """The current term and the ones before it, newest first: what a review may cover."""
    terms = [Term.of(today or timezone.localdate())]
    while len(terms) < count:
        terms.append(terms[-1].previous())
    return terms


def is_open(feedback_round: FeedbackRound, day: datetime.date | None = None) -> bool:
    day = day or timezone.localdate()
    return feedback_round.opens_on <= day <= feedback_round.closes_on


def feedback_summary(feedback_round: FeedbackRound) -> dict:
    """Answers, the average and the spread of scores per question: one query."""
    counts = {"answers": Count("pk")}
    for question in QUESTIONS:
        counts[f"{question}__avg"] = Avg(question)
        for score in range(1, 6):
            counts[f"{question}__{score}"] = Count("pk", filter=Q(**{question: score}))
    row = feedback_round.responses.aggregate(**counts)
    questions = []
    for question in QUESTIONS:
        average = row[f"{question}__avg"]
        name = str(Feedback._meta.get_field(question).verbose_name)
        questions.append(
            {
                "key": question,
                "label": name[0].upper() + name[1:],
                "average": None if average is None else round(float(average), 1),
                "scores": [row[f"{question}__{score}"] for score in range(1, 6)],
            }
        )
    return {
        "round": feedback_round.title,
        "round_code": str(feedback_round.code),
        "answers": row["answers"],
        "questions": questions,
    }


# ---------------------------------------------------------------------------------------
# Writes.


@once_per_form(FeedbackRound)
@transaction.atomic
def feedback_round_open(
    *,
    partnership: Partnership,
    by,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
) -> FeedbackRound:
    """The sergeant asks the school's people for feedback; those open now are told."""
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    fresh_scope(by)
    if not Partnership.objects.visible_to(by).filter(pk=partnership.pk).exists():
        raise PermissionDenied
    if not can_open_round(by, partnership):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError({"title": "Enter a title for the round"})
    if closes_on < opens_on:
        raise ValidationError({"closes_on": "The closing date must be on or after the opening"})
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": "The closing date must be today or later"})
    feedback_round = FeedbackRound(
        partnership=partnership,
        title=title.strip(),
        opens_on=opens_on,
        closes_on=closes_on,
        opened_by=by,
    )
    feedback_round._history_user = by
    feedback_round.save()
    if is_open(feedback_round):
        people = [
            m.user
            for m in Membership.objects.current()
            .filter(school_id=partnership.school_id)
            .select_related("user")
        ]
        notify(
            recipients=people,
            subject="Your feedback on the Safer Schools Partnership is asked for",
            link=reverse("feedback_answer", args=[feedback_round.code]),
            reference=f"Partnership: {partnership.school.name}",
        )
    return feedback_round


@once_per_form(Feedback)
@transaction.atomic
def feedback_give(
    *,
    feedback_round: FeedbackRound,
    by,
    pupils_feel_safe: int,
    sspo_availability: int,
    sspo_response: int,
    to_improve: str = "",
) -> Feedback:
    """One answer per person per round, while it is open; the database holds the line."""
    # The round's row, then the question again: a person who left the school since the
    # page was loaded answers nothing.
    feedback_round = FeedbackRound.objects.select_for_update().get(pk=feedback_round.pk)
    fresh_scope(by)
    if not FeedbackRound.objects.visible_to(by).filter(pk=feedback_round.pk).exists():
        raise PermissionDenied
    if not can_answer_round(by, feedback_round):
        raise PermissionDenied
    if not is_open(feedback_round):
        raise ValidationError("This round is not open for answers")
    if feedback_round.responses.filter(respondent=by).exists():
        raise ValidationError(ALREADY_ANSWERED)
    feedback = Feedback(
        round=feedback_round,
        respondent=by,
        respondent_role=by.role,
        pupils_feel_safe=pupils_feel_safe,
        sspo_availability=sspo_availability,
        sspo_response=sspo_response,
        to_improve=to_improve.strip(),
    )
    feedback.full_clean(exclude=["round", "respondent"])
    feedback._history_user = by
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        # Two tabs sent the form at once: the unique constraint let one through.
        raise ValidationError(ALREADY_ANSWERED) from None
    return feedback


@dataclass(frozen=True)
class AgreedAction:
    problem: str
    action: str
    owner: str
    due_on: datetime.date


@once_per_form(Review)
@transaction.atomic
def review_record(
    *,
    partnership: Partnership,
    by,
    term: Term,
    figures: dict,
    feedback_round: FeedbackRound | None,
    rating: str,
    comments: str,
    actions: list[AgreedAction],
) -> Review:
    """Keep the sergeant's review of one term, with the figures as they are now.

    One review per partnership and term: a second is refused, the first is kept as it was.
    The partnership's row lock makes two sergeants writing at once take turns.
    """
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    fresh_scope(by)
    if not Partnership.objects.visible_to(by).filter(pk=partnership.pk).exists():
        raise PermissionDenied
    if not can_write_review(by, partnership):
        raise PermissionDenied
    if feedback_round is not None and feedback_round.partnership_id != partnership.pk:
        raise ValidationError({"feedback_round": "Choose a round of this partnership"})
    if rating not in Review.Rating.values:
        raise ValidationError({"rating": "Choose a rating: red, amber or green"})
    if not comments.strip():
        raise ValidationError({"comments": "Write your comments on the term"})
    if Review.objects.filter(
        partnership=partnership, academic_year=term.academic_year, term=term.term
    ).exists():
        raise ValidationError(
            {
                "term": f"The {term.label} has already been reviewed. Earlier reviews are "
                "kept as they were; choose another term."
            }
        )
    review = Review(
        partnership=partnership,
        academic_year=term.academic_year,
        term=term.term,
        period_start=term.start,
        period_end=term.end,
        figures=figures,
        feedback_round=feedback_round,
        rating=rating,
        comments=comments.strip(),
        reviewed_by=by,
    )
    review._history_user = by
    review.save()
    for agreed in actions:
        item = ActionPlanItem(
            partnership=partnership,
            problem=agreed.problem.strip(),
            action=agreed.action.strip(),
            owner=agreed.owner.strip(),
            due_on=agreed.due_on,
            agreed_at_review=review,
            created_by=by,
        )
        item._history_user = by
        item.save()
    return review
