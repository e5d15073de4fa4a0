/**
 * Which GlobalOpinionQA questions have an ordered answer scale, read from the options themselves: the
 * dataset marks no scales, so this table lists the ordered option sets that occur in it, each from one
 * end of its scale to the other. It was built from every distinct option set of the project's shared
 * GlobalOpinionQA subset (scripts/globalopinionqa-option-sets.ts lists them, with how each is read);
 * test/globalopinionqa-scales.test.ts checks every entry against that file. A set the table does not
 * list is no scale: `--metric wasserstein` compares it by 1 - Jensen-Shannon distance, and counts it.
 *
 * Only the sets are matched (exactly, as the dataset spells them), never words in them: the same
 * labels in another order are the same scale (a few questions list "0".."10" out of order), and a
 * scale read backwards gives the same Wasserstein distance.
 */

/**
 * Answers with no place on any scale, exactly as the dataset spells them: don't know, refused, no
 * answer, the surveys' missing-value codes, a table's "Total N=" row, and WVS's "(spontaneous)"
 * answer outside the 1-10 democracy scale.
 */
const OFF_SCALE_ANSWERS: ReadonlySet<string> = new Set([
  'DK/Refused',
  "Don't know",
  "Don't Know",
  "Don't know/Refused",
  "Don't -9:-2",
  'No answer',
  'No Answer',
  'No answer/refused',
  'No answer/Refused',
  'Missing',
  'Missing; Not available',
  'Missing; Not available; Not applicable',
  'Missing; Unknown',
  'Missing; Not applicable for other reasons',
  'Other missing; Multiple answers Mail (EVS)',
  'Other missing; Not applicable; Multiple answers Mail (EVS)',
  'INAP: No internet/no social media',
  'Never heard of',
  'I do not know examples concerned',
  'It is against democracy (spontaneous)',
  'Total                  N=',
  'Total                 N=',
  'Total          N=',
]);

/**
 * The Pew questionnaires' own mark of an answer the interviewer does not read out, volunteered by the
 * respondent ("Both (VOL)", "Neither (DO NOT READ)"): a flag the dataset carries, not offered as a
 * point of the scale.
 */
const VOLUNTEERED = /\((VOL\.?|Vol\.|DO NOT READ)\)\s*$/;

/** Whether an option is an answer on the question's scale (not a don't-know, missing code or volunteered answer). */
export function onScale(option: string): boolean {
  return !OFF_SCALE_ANSWERS.has(option) && !VOLUNTEERED.test(option);
}

/** A WVS ten-point scale whose ends are labelled and whose middle is numbered 2..9. */
const tenPoint = (low: string, high: string) => [low, '2', '3', '4', '5', '6', '7', '8', '9', high];
/** An eleven-point scale labelled at its ends, numbered 1..9 between them (the labelled ends are 0 and 10). */
const elevenPoint = (low: string, high: string) => [low, '1', '2', '3', '4', '5', '6', '7', '8', '9', high];

/** The ordered scales of GlobalOpinionQA, each from one end to the other (the on-scale options only). */
export const ORDINAL_SCALES: readonly (readonly string[])[] = [
  // Four-point scales of favour, agreement, size, confidence, importance, frequency.
  ['Very favorable', 'Somewhat favorable', 'Somewhat unfavorable', 'Very unfavorable'],
  ['Very favorable', 'Mostly favorable', 'Mostly unfavorable', 'Very unfavorable'],
  ['Very good', 'Somewhat good', 'Somewhat bad', 'Very bad'],
  ['Very good', 'Fairly good', 'Fairly bad', 'Very bad'],
  ['Very good', 'Fairly good', 'Fairly Bad', 'Very bad'],
  ['Very good', 'Fairly good', 'Bad', 'Very bad'],
  ['Very good', 'Good', 'Bad', 'Very bad'],
  ['Very good thing', 'Somewhat good', 'Somewhat bad', 'Very bad thing'],
  ['Very good job', 'Somewhat good job', 'Somewhat bad job', 'Very bad job'],
  ['Very good influence', 'Good influence', 'Bad influence', 'Very bad influence'],
  ['Very good influence', 'Mostly good influence', 'Mostly bad influence', 'Very bad influence'],
  ['Rather bad', 'Quite bad', 'Neither good, nor bad', 'Quite good', 'Very good'],
  ['Excellent', 'Good', 'Only fair', 'Poor'],
  ['The best', 'Above average', 'Average', 'Below average', 'The worst'],
  ['Completely agree', 'Mostly agree', 'Mostly disagree', 'Completely disagree'],
  ['Strongly agree', 'Agree', 'Disagree', 'Strongly disagree'],
  ['Agree strongly', 'Agree', 'Disagree', 'Strongly disagree'],
  ['Strongly agree', 'Agree', 'Neither agree nor disagree', 'Disagree', 'Disagree strongly'],
  ['Strongly agree', 'Agree', 'Neither agree or disagree', 'Disagree', 'Strongly disagree'],
  ['Agree strongly', 'Agree', 'Neither agree nor disagree', 'Disagree', 'Disagree strongly'],
  ['Agree', 'Neither agree nor disagree', 'Disagree'],
  ['Agree', 'Hard to say', 'Disagree'],
  ['Strongly approve', 'Approve', 'Disapprove', 'Strongly disapprove'],
  ['Strongly approve', 'Somewhat approve', 'Somewhat disapprove', 'Strongly disapprove'],
  ['Strongly favor', 'Favor', 'Oppose', 'Strongly oppose'],
  ['Very big problem', 'Moderately big problem', 'Small problem', 'Not a problem at all'],
  ['Very serious problem', 'Somewhat serious problem', 'Not too serious problem', 'Not a problem at all'],
  ['Very serious problem', 'Somewhat serious problem', 'Not too serious of a problem', 'Not a problem at all'],
  ['Very serious', 'Somewhat serious', 'Not too serious', 'Not a problem'],
  ['Very serious', 'Somewhat serious', 'Not too serious', 'Not a problem at all'],
  ['Major problem', 'Minor problem', 'Not a problem'],
  ['Major threat', 'Minor threat', 'Not a threat'],
  ['Major threat', 'Minor threat', 'No threat'],
  ['Very serious threat', 'Somewhat serious threat', 'Minor threat', 'No threat at all'],
  ['A great danger', 'Moderate danger', 'Small danger', 'No danger at all'],
  ['A lot of confidence', 'Some confidence', 'Not too much confidence', 'No confidence at all'],
  ['Very confident', 'Somewhat confident', 'Not too confident', 'Not confident at all'],
  ['Very confident', 'Somewhat confident', 'Not too confident', 'Not at all confident'],
  ['Trust completely', 'Trust somewhat', 'Do not trust very much', 'Do not trust at all'],
  ['Very reliable', 'Somewhat reliable', 'Not too reliable', 'Not at all reliable'],
  ['Very important', 'Somewhat important', 'Not too important', 'Not important at all'],
  ['Very important', 'Somewhat important', 'Not too important', 'Not at all important'],
  ['Very important', 'Somewhat important', 'Not very important', 'Not at all important'],
  ['Very important', 'Rather important', 'Not very important', 'Not at all important'],
  ['Very important reason', 'Fairly important reason', 'Not important reason'],
  ['One of the most important priorities', 'A very important priority', 'A lower priority', 'Not a priority at all'],
  ['Top priority', 'Important but lower priority', 'Not too important', 'Should not be done'],
  ['Top priority', 'Important but lower priority', 'Not too important', 'Should not work on this issue'],
  ['Very concerned', 'Somewhat concerned', 'Not too concerned', 'Not at all concerned'],
  ['Very concerned', 'Fairly concerned', 'Not too concerned', 'Not at all concerned'],
  ['Very worried', 'Somewhat worried', 'Not too worried', 'Not at all worried'],
  ['Very excited', 'Somewhat excited', 'Not too excited', 'Not at all excited'],
  ['Very interested', 'Somewhat interested', 'Not very interested', 'Not at all interested'],
  ['Very satisfied', 'Somewhat satisfied', 'Somewhat dissatisfied', 'Very dissatisfied'],
  ['Very satisfied', 'Somewhat satisfied', 'Not too satisfied', 'Not at all satisfied'],
  ['Very satisfied', 'Fairly satisfied', 'Fairly Dissatisfied', 'Very dissatisfied'],
  ['Completely satisfied', 'Rather satisfied', 'Rather dissatisfied', 'Completely dissatisfied'],
  ['Very effective', 'Somewhat effective', 'Not too effective', 'Not at all effective'],
  ['Very well', 'Somewhat well', 'Not too well', 'Not well at all'],
  ['Very easy', 'Somewhat easy', 'Somewhat difficult', 'Very difficult'],
  ['Very likely', 'Somewhat likely', 'Not too likely', 'Not at all likely'],
  ['Very likely', 'Somewhat likely', 'Somewhat unlikely', 'Very unlikely'],
  ['Definitely succeed', 'Probably succeed', 'Probably fail', 'Definitely fail'],
  ['Definitely should have the right', 'Probably should have the right', 'Probably should not have the right', 'Definitely should not have the right'],
  ['Very strong', 'Fairly strong', 'Not too strong', 'Not strong at all'],
  ['Very strong conflicts', 'Strong conflicts', 'Not very strong conflicts', 'There are not conflicts'],
  ['Very large role', 'Fairly large role', 'Fairly small role', 'Very small role'],
  ['Very close', 'Close', 'Not very close', 'Not close at all'],
  ['Very closely', 'Somewhat closely', 'Not very closely', 'Not at all closely'],
  ['Very closely', 'Somewhat closely', 'Not too closely', 'Not at all'],
  ['To a large extent', 'To a medium extent', 'To a small extent', 'Not at all'],
  // Amounts and quantities.
  ['Great deal', 'Fair amount', 'Not too much', 'Not at all'],
  ['Great deal', 'Fair amount', 'Only a little', 'Not at all'],
  ['Great deal', 'Fair amount', 'Not too much', 'No influence at all'],
  ['A great deal', 'A fair amount', 'Not too much', 'Not at all'],
  ['A great deal', 'A fair amount', 'Not too much', 'None at all'],
  ['A great deal', 'Quite a lot', 'Not very much', 'None at all'],
  ['A great deal of respect', 'Fairly much respect', 'Not much respect', 'No respect at all'],
  ['Very much', 'A great deal', 'Not much', 'Not at all'],
  ['Very much', 'A good deal', 'Not much', 'Not at all'],
  ['A lot', 'Some', 'Only a little', 'None'],
  ['A lot', 'Some', 'Very little'],
  ['A lot', 'A little', 'Nothing at all'],
  ['A lot more', 'Somewhat more', 'Only a little more', 'Not more'],
  ['A lot of changes', 'Some changes', 'Only a few changes', 'No changes at all'],
  ['Much more democratic', 'Somewhat more democratic', 'No change'],
  ['All of them', 'Most of them', 'Few of them', 'None of them'],
  ['Most', 'Many', 'Just some', 'Very few'],
  ['Getting a job by wasta is extremely wide-spread', 'Getting a job by wasta is quiet often', 'Getting a job by wasta happens sometimes', 'Jobs are gotten without wasta'],
  // Frequency and timing.
  ['Very often', 'Fairly often', 'Not often', 'Not at all often'],
  ['Very frequently', 'Quite frequently', 'Not frequently', 'Not at all frequently'],
  ['Very Frequently', 'Quite frequently', 'Not frequently', 'Not at all frequently'],
  ['Often justified', 'Sometimes justified', 'Rarely justified', 'Never justified'],
  ['Often be justified', 'Sometimes be justified', 'Rarely be justified', 'Never be justified'],
  ['More than once a week', 'Once a week', 'Once or twice a month', 'A few times a year', 'Seldom', 'Never'],
  ['Several times a day', 'Once a day', 'Several times a week', 'Once a week', 'Several times a month', 'Once a month', 'Less than once a month', 'Never'],
  ['Now', 'In the next few years', 'Not for many years', 'Never'],
  ['18 to 49', '50 to 59', '60 to 69', '70 to 79', '80 to 89', '90+'],
  ['Have done', 'Might do', 'Would never do'],
  ['Have done in the past year', 'Have done in the more distant past', 'Have not done, but might do', 'Have not done and would never do'],
  ['Have done in the past year', 'Have done in the more distant past', 'Have not done, but might do', 'Have not done and would never, under any circumstances, do'],
  ['Active member', 'Inactive member', "Don't belong"],
  ['Active member', 'Inactive member', 'Not a member'],
  // Change: one direction, no change, the other direction.
  ['Much better', 'Somewhat better', 'About the same', 'Somewhat worse', 'Much worse'],
  ['Improve a lot', 'Improve a little', 'Remain the same', 'Worsen a little', 'Worsen a lot'],
  ['Better', 'About the same', 'Worse'],
  ['Better', 'No change', 'Worse'],
  ['Better', 'Has not changed', 'Worse'],
  ['Get better', 'Stay about the same', 'Get worse'],
  ['Gotten better', 'Stayed about the same', 'Gotten worse'],
  ['Change for the better', 'Not much difference', 'Change for the worse'],
  ['Change for the better', 'Not change that much', 'Change for the worse'],
  ['A better place to live', "Doesn't make much difference either way", 'A worse place to live'],
  ['Making progress', 'About the same', 'Losing ground'],
  ['Making progress', 'Same as they have been in the past', 'Losing ground'],
  ['Stronger', 'Has not changed much', 'Weaker'],
  ['Stronger', 'No change', 'Weaker'],
  ['Growing', 'Staying about the same', 'Decreasing'],
  ['Increase', 'Does not make a difference', 'Decrease'],
  ['Increased', 'No change', 'Decreased'],
  ['Increased', 'Stayed the same', 'Decreased'],
  ['More', 'About the same', 'Fewer'],
  ['More', 'About the same', 'Less'],
  ['More', 'No change', 'Less'],
  ['Greater', 'About the same', 'Less'],
  ['Bigger problem', 'About the same', 'Smaller problem'],
  ['More rights', 'About the same', 'Fewer rights'],
  ['More diverse', 'No change', 'Less diverse'],
  ['Doing more', 'About the same', 'Doing less'],
  ['More important role', 'As important as 10 years ago', 'Less important role'],
  ['A more important role', 'No change', 'A less important role'],
  ['More restrictions', 'The restrictions were about right', 'Fewer restrictions'],
  ['More safe', 'Does not make a difference', 'Less safe'],
  ['Job creation', 'Does not make a difference', 'Job losses'],
  ['Increase gap between rich and poor', 'No effect', 'Lessen gap between rich and poor'],
  ['Closer to Japan', 'About as close to Japan', 'Less close to Japan'],
  ['Is a good example for other countries to follow', 'Used to be a good example, but has not been in recent years', 'Has never been a good example for other countries to follow'],
  ['Has already replaced US', 'Will eventually replace US', 'Will never replace US'],
  ['It needs to be completely reformed', 'It needs major changes', 'It needs minor changes', 'It doesn’t need to be changed'],
  // Two poles with a middle answer offered between them.
  ['Good', 'Neither', 'Bad'],
  ['Good thing', 'Neither', 'Bad thing'],
  ['Good thing', "Don't mind", 'Bad thing'],
  ['Good influence', 'No influence', 'Bad influence'],
  ['Mostly positive', 'No impact', 'Mostly negative'],
  ['Mostly benefit', 'No impact', 'Mostly harm'],
  ['More of a partner', 'Neither', 'More of an enemy'],
  ['Too much', 'Right amount', 'Not enough'],
  ['Too much', 'About right', 'Not enough'],
  ['Too much', 'About the right amount', 'Not enough'],
  ['Too great', 'About right', 'Too small'],
  ['Too supportive', 'About right', 'Not supportive enough'],
  ['United States does too much', 'United States does right amount', 'United States does too little'],
  ['Favor Israel', 'Fair', 'Favor Palestinians'],
  ['Men generally have more opportunities', 'Opportunities are generally about the same for both', 'Women generally have more opportunities'],
  ['Men generally have more influence', 'Men and women generally have about the same influence', 'Women generally have more influence'],
  ['Men generally make better political leaders than women', 'In general, women and men make equally good political leaders', 'Women generally make better political leaders than men'],
  ['It is more important for boys than for girls', 'It is equally important for boys and girls', 'It is more important for girls than for boys'],
  ['National governments should transfer more powers to the European Union', 'The current divison of powers between national governments and the EU should remain the same', 'Some powers should be returned to national governments'],
  ['The entire way our society is organized must be radically changed by revolutionary action', 'Our society must be gradually improved by reforms', 'Our present society must be valiantly defended against all subversive forces'],
  ['Let anyone come who wants to', 'Let people come as long as there are jobs available', 'Place strict limits on the number of foreigners who can come here', 'Prohibit people coming here from other countries'],
  // Numbered scales: 0..10, and the WVS ten-point scales labelled at their ends.
  ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
  elevenPoint('Not important at all', 'Very important'),
  elevenPoint('Very dissatisfied', 'Very satisfied'),
  tenPoint('Never justifiable', 'Always justifiable'),
  tenPoint('Completely disagree', 'Completely agree'),
  tenPoint('Not at all important', 'Absolutely important'),
  tenPoint('Not satisfied at all', 'Completely satisfied'),
  tenPoint('Dissatisfied', 'Satisfied'),
  tenPoint('Not at all democratic', 'Completely democratic'),
  tenPoint('Not an essential characteristic of democracy', 'An essential characteristic of democracy'),
  tenPoint('A lot worse off', 'A lot better off'),
  tenPoint('No risk at all', 'Very high risk'),
  tenPoint('Left', 'Right'),
  tenPoint('Being effective', 'Being democratic'),
  tenPoint('Competition is good', 'Competition is harmful'),
  tenPoint('Incomes should be made more equal', 'There should be greater incentives for individual effort'),
  tenPoint('Private ownership of business should be increased', 'Government ownership of business should be increased'),
  tenPoint('The government should take more responsibility to ensure that everyone is provided for', 'People should take more responsibility to provide for themselves'),
  tenPoint('In the long run, hard work usually brings a better life', "Hard work doesn't generally bring success - it's more a matter of luck and connections"),
  tenPoint('1 There is no corruption in my country', '10 There is abundant corruption in my country'),
  ['Not equal at all', '2', '3', '4', '5', '6', '7', '8', '9'],
  ['Men', '2', '3', '4', 'Both Equally', '6', '7', '8', 'Women'],
];

const setKey = (labels: readonly string[]) => JSON.stringify([...labels].sort());
const SCALE_BY_SET = new Map(ORDINAL_SCALES.map((scale) => [setKey(scale), scale]));

/**
 * How a question's answers lie on a line. `ordinal`: its on-scale options are a scale of the table;
 * `binary`: exactly two on-scale options (any two-point scale is ordered, and either order gives the
 * same distance); `nominal`: neither. `positions[i]` is option i's place on the scale (0..size-1), or
 * null for an answer off the scale.
 */
export type AnswerScale = { kind: 'ordinal' | 'binary'; size: number; positions: (number | null)[] } | { kind: 'nominal' };

export function answerScale(options: readonly string[]): AnswerScale {
  const scaled = options.filter(onScale);
  if (new Set(scaled).size !== scaled.length) return { kind: 'nominal' };
  if (scaled.length === 2) return { kind: 'binary', size: 2, positions: options.map((o) => (onScale(o) ? scaled.indexOf(o) : null)) };
  const scale = SCALE_BY_SET.get(setKey(scaled));
  if (!scale) return { kind: 'nominal' };
  return { kind: 'ordinal', size: scale.length, positions: options.map((o) => (onScale(o) ? scale.indexOf(o) : null)) };
}
