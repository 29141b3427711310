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


class RetentionPolicy(TenantOwned):
    """One tenant's retention period for one kind of record."""

    rule = models.CharField(max_length=40, choices=RetentionRule.choices)
    amount = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100 * 366)])
    unit = models.CharField(max_length=8, choices=[("years", "years"), ("days", "days")], default="years")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "retention policies"
        ordering = ["rule"]
        constraints = [models.UniqueConstraint(fields=["tenant", "rule"], name="retention_rule_once_per_tenant")]

    def __str__(self):
        return f"{self.get_rule_display()}: {self.amount} {self.unit}"
