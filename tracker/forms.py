"""Admin forms that run the services' validation, so an official sees every rule as a field error.

They are `kernel.forms.ModelForm`s: dates, amounts and decimals are read with the kernel's parser.
"""

from django.core.exceptions import ValidationError

from kernel import forms

from .models import Allocation, Disbursement, Household, PovertyAssessment
from .services import allocation_validate, disbursement_validate, poverty_assessment_validate


class AllocationForm(forms.ModelForm):
    class Meta:
        model = Allocation
        fields = [
            "work",
            "component",
            "year",
            "source",
            "capital_type",
            "kind",
            "amount",
            "extended_until",
            "decided_on",
            "document",
            "note",
        ]

    def _post_clean(self):
        super()._post_clean()
        if self.instance.work_id and not self.errors:
            try:
                allocation_validate(self.instance)
            except ValidationError as error:
                self._update_errors(error)


class DisbursementForm(forms.ModelForm):
    class Meta:
        model = Disbursement
        fields = ["work", "year", "source", "capital_type", "amount", "voucher_number", "paid_on", "note"]

    def _post_clean(self):
        super()._post_clean()
        if self.instance.work_id and not self.errors:
            try:
                disbursement_validate(self.instance)
            except ValidationError as error:
                self._update_errors(error)


class PovertyAssessmentForm(forms.ModelForm):
    class Meta:
        model = PovertyAssessment
        fields = [
            "household",
            "year",
            "standard",
            "status",
            "income_per_capita",
            "deprivations",
            "decision_number",
            "recognised_on",
        ]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            household = self.instance.household
        except Household.DoesNotExist:
            return
        if not household.commune_id:
            return
        try:
            poverty_assessment_validate(
                household=household,
                year=self.cleaned_data["year"],
                status=self.cleaned_data["status"],
                standard=self.cleaned_data.get("standard"),
                income_per_capita=self.cleaned_data.get("income_per_capita"),
                deprivations=self.cleaned_data.get("deprivations") or [],
            )
        except ValidationError as error:
            self._update_errors(error)
