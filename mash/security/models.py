"""Data protection: how long each kind of record is kept, per tenant (UK GDPR storage limitation)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from mash.tenancy import TenantOwned


class RetentionRule(models.TextChoices):
    """What a retention period applies to. Periods run from the record's closing event."""

    NFA_CONTACTS = "nfa_contacts", "Contacts decided with no further action (from the decision)"
    ADVICE_CONTACTS = "advice_contacts", "Contacts closed with information or advice (from the decision)"
    EARLY_HELP = "early_help", "Early help requests (from the outcome)"
    MARF_DRAFTS = "marf_drafts", "Unsent referral drafts (from the last save)"


# Defaults in years (drafts: days, see ``unit``); a tenant admin may lengthen or shorten them.
DEFAULT_RETENTION = {
    RetentionRule.NFA_CONTACTS: (6, "years"),
    RetentionRule.ADVICE_CONTACTS: (6, "years"),
    RetentionRule.EARLY_HELP: (6, "years"),
    RetentionRule.MARF_DRAFTS: (30, "days"),
}


# Why each kind of record is kept as long as it is, until the council writes its own (UK GDPR
# Article 5(1)(e): kept no longer than necessary; Article 6(1)(e) and 9(2)(g) for the processing).
DEFAULT_LEGAL_BASIS = {
    RetentionRule.NFA_CONTACTS: (
        "UK GDPR Article 6(1)(e) public task under the Children Act 1989 and 2004; kept so a later "
        "contact about the same child can be judged with its history."
    ),
    RetentionRule.ADVICE_CONTACTS: (
        "UK GDPR Article 6(1)(e) public task under the Children Act 1989 and 2004; kept so a later "
        "contact about the same child can be judged with its history."
    ),
    RetentionRule.EARLY_HELP: "UK GDPR Article 6(1)(e) public task under section 10 of the Children Act 2004.",
    RetentionRule.MARF_DRAFTS: "UK GDPR Article 5(1)(e) storage limitation: an unsent draft is not a record.",
}

MAX_RETENTION = {"years": 100, "days": 100 * 366}


class RetentionPolicy(TenantOwned):
    """One tenant's retention period for one kind of record, and the legal basis it is noted under."""

    rule = models.CharField(max_length=40, choices=RetentionRule.choices)
    amount = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100 * 366)])
    unit = models.CharField(max_length=8, choices=[("years", "years"), ("days", "days")], default="years")
    legal_basis = models.TextField(blank=True, help_text="Why records of this kind are kept this long")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "retention policies"
        ordering = ["rule"]
        constraints = [models.UniqueConstraint(fields=["tenant", "rule"], name="retention_rule_once_per_tenant")]

    def __str__(self):
        return f"{self.get_rule_display()}: {self.amount} {self.unit}"
