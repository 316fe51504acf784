import 'reflect-metadata';
import { ArgumentMetadata } from '@nestjs/common';
import { IsIn, IsString, Length, MetadataStorage } from 'class-validator';
import { DomainError, ValidationFault } from '@app/domain/shared/errors';
import { rememberValidationRules, validationPipe } from './validation';

class ScoreBody {
  @IsString()
  @Length(1, 40)
  criterion!: string;

  @IsIn(['acquired', 'not-acquired'])
  result!: string;
}

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });
const faultsOf = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (error) {
    return [...new Set(((error as DomainError).details as ValidationFault[]).map((f) => f.path))].sort();
  }
  return [];
};

describe('validation rules remembered', () => {
  it('looks a class up once per options, and again after a rule is added', () => {
    const storage = new MetadataStorage();
    const lookUp = jest.spyOn(storage, 'getTargetValidationMetadatas');
    const grouping = jest.spyOn(storage, 'groupByPropertyName');
    rememberValidationRules(storage);
    rememberValidationRules(storage); // once per storage: not wrapped twice
    const first = storage.getTargetValidationMetadatas(ScoreBody, '', false, false);
    expect(storage.getTargetValidationMetadatas(ScoreBody, '', false, false)).toBe(first);
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(first));
    expect(lookUp).toHaveBeenCalledTimes(1);
    expect(grouping).toHaveBeenCalledTimes(1);
    storage.getTargetValidationMetadatas(ScoreBody, '', false, false, ['other']);
    expect(lookUp).toHaveBeenCalledTimes(2);
    storage.addValidationMetadata({ type: 'isDefined', target: ScoreBody, propertyName: 'criterion', constraints: [], validationTypeOptions: undefined } as never);
    storage.getTargetValidationMetadatas(ScoreBody, '', false, false);
    expect(lookUp).toHaveBeenCalledTimes(3);
  });

  it('validates as before, including a class declared after the first validations', async () => {
    const pipe = validationPipe();
    const ok = { criterion: 'CE1.1', result: 'acquired' };
    expect(await pipe.transform({ ...ok }, body(ScoreBody))).toBeInstanceOf(ScoreBody);
    for (let i = 0; i < 2; i++) {
      expect(await faultsOf(() => pipe.transform({ criterion: '', result: 'maybe', extra: 1 }, body(ScoreBody)))).toEqual(['criterion', 'extra', 'result']);
    }
    // Declared now: its own rule and those it inherits, though its parent's were remembered.
    class CorrectionBody extends ScoreBody {
      @IsString()
      @Length(1, 200)
      correctionReason!: string;
    }
    expect(await faultsOf(() => pipe.transform({ criterion: '', result: 'acquired', correctionReason: '' }, body(CorrectionBody)))).toEqual(['correctionReason', 'criterion']);
    expect(await pipe.transform({ ...ok, correctionReason: 'second reading' }, body(CorrectionBody))).toBeInstanceOf(CorrectionBody);
    expect(await faultsOf(() => pipe.transform({ ...ok }, body(CorrectionBody)))).toEqual(['correctionReason']);
  });
});
